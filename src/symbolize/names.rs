//! What a Go symbol name says about its package: one rule for every command (docs/FORMATS.md
//! §1.6), Go's own — the runtime's `funcpkgpath` (`src/runtime/symtab.go`) and `debug/gosym`'s
//! `Sym.PackageName` (`src/debug/gosym/symtab.go`) for where the package part ends, the
//! compiler's `checkImportPath` and `base.ReservedImports` (`src/cmd/compile/internal/noder/
//! import.go`, `src/cmd/compile/internal/base/link.go`) for what can be a package at all, and
//! `objabi.PathToPrefix` (`src/cmd/internal/objabi/path.go`) for the linker's escapes — plus
//! the runtime's own code under other packages' names, and itab symbols.
//!
//! Package attribution follows `funcpkgpath`: the path up to the first `.` after the last
//! `/`, generic type arguments removed; and a function whose source file lies in the
//! runtime's directory belongs to `runtime` whatever its name (the runtime implements
//! `sync.runtime_Semacquire`, `time.now`, `reflect.unsafe_New`, … under other packages'
//! names with `//go:linkname`).

use std::borrow::Cow;

/// The import path of the package a symbol name belongs to, by Go's rule (docs/FORMATS.md
/// §1.6); `None` for names that carry no package.
///
/// - The package part ends at the first `.` after the last `/`, once generic type arguments
///   are cut (`slices.Sort[go.shape.int]` → `slices`, `PKG.(*T[x/y.Z]).M` → `PKG`), as in
///   `funcpkgpath` and `Sym.PackageName`. Closures, method values and init functions stay
///   with their package: `PKG.init.0.func1`, `PKG.(*T).M-fm`.
/// - The linker escapes the last path element (`objabi.PathToPrefix`): `%xx` is undone, so
///   `gopkg.in/ini%2ev1.Load` is `gopkg.in/ini.v1`.
/// - The candidate must be a path the compiler accepts as an import (`checkImportPath`): not
///   `go` or `type` (reserved for the compiler's own symbols: `go:buildid`, `go.shape.int`,
///   `go.string.*`, `go.itab.*x.T,y.I`, …) and none of the characters `!"#$%&'()*,:;<=>?[]^`
///   `` ` ``{|}`, space or control bytes. That tells module paths beginning with `go.`
///   (`go.uber.org/zap.New` → `go.uber.org/zap`) from compiler-made names of every era:
///   before Go 1.20 those begin with `go.`/`type.`, from 1.20 with `go:`/`type:`.
/// - Compiler-made equality and hash functions belong to their type's package:
///   `type:.eq.PKG.T` (1.20+), `type..eq.PKG.T`, `type..hash.PKG.T` (before 1.20). Every
///   other `type:`/`type.` name (type descriptors, shape-keyed `type:.eq.M24S` of 1.26+,
///   arrays `type:.eq.[2]PKG.T`) and every `go:` name has no package.
/// - A few `go.` families made by the toolchain before 1.20 whose rest reads like a path
///   (`go.link.`, `go.info.`, `go.importpath.`, `go.itab.`, … see [`GO_DOT_FAMILIES`]) have
///   no package.
///
/// Names without a `.` (assembly and C: `_rt0_amd64_linux`, `x_cgo_init`) have none either.
pub fn package_of(name: &str) -> Option<Cow<'_, str>> {
    let name = match type_function_subject(name) {
        Some(rest) => rest,
        None if name.starts_with("type:") || name.starts_with("type.") => return None,
        None if name.starts_with("go:") => return None,
        None if GO_DOT_FAMILIES.iter().any(|f| name.starts_with(f)) => return None,
        None => name,
    };
    let head = name.find('[').map_or(name, |b| name.get(..b).unwrap_or(""));
    let slash = head.rfind('/').map_or(0, |s| s + 1);
    let dot = head.get(slash..)?.find('.')? + slash;
    let prefix = head.get(..dot)?;
    let path = prefix_to_path_cow(prefix);
    is_import_path(&path).then_some(path)
}

/// [`package_of`] as an owned string (the runtime's `funcpkgpath`, with Go's rule for what
/// is a package).
pub fn funcpkgpath(name: &str) -> Option<String> {
    package_of(name).map(Cow::into_owned)
}

/// Toolchain-made symbol families of Go before 1.20 whose rest can read like an import path
/// (`go.link.pkghashbytes.example.com/x`, `go.info.example.com/x.F`): `cmd/link` and
/// `cmd/compile`/`cmd/internal/dwarf` 1.19 prefixes, and `go.itab.` (`reflectdata.ITabSym`:
/// `go.itab.internal/poll.errNetClosing,error` would read as the package
/// `go.itab.internal/poll`). The other `go.` names (`go.buildid`, `go.string.*`, `go.func.*`,
/// `go.shape.int`) fail the import-path test by themselves.
pub const GO_DOT_FAMILIES: [&str; 14] = [
    "go.builtin.",
    "go.constinfo.",
    "go.cuinfo.",
    "go.debuglines.",
    "go.importpath.",
    "go.info.",
    "go.itab.",
    "go.link.",
    "go.loc.",
    "go.plugin.",
    "go.range.",
    "go.shape.",
    "go.track.",
    "go.weak.",
];

/// The type named by a compiler-made equality or hash function: `type:.eq.PKG.T` (1.20+),
/// `type..eq.PKG.T`, `type..hash.PKG.T` (before 1.20; `reflectdata.eqFor`/`genhash`).
fn type_function_subject(name: &str) -> Option<&str> {
    ["type:.eq.", "type:.hash.", "type..eq.", "type..hash."]
        .iter()
        .find_map(|p| name.strip_prefix(p))
}

/// The compiler's `checkImportPath`: non-empty, not reserved (`go`, `type`), no control
/// bytes, backslash, space or any of `!"#$%&'()*,:;<=>?[]^`` ` ``{|}`.
pub fn is_import_path(path: &str) -> bool {
    // Byte by byte while ASCII (a table lookup; every package name of a large binary comes
    // here), by char after the first non-ASCII byte.
    const fn bad_ascii() -> [bool; 128] {
        let mut t = [false; 128];
        let mut c = 0;
        while c < 0x20 {
            t[c] = true;
            c += 1;
        }
        t[0x7f] = true;
        let punct = b"!\"#$%&'()*,:;<=>?[]^`{|}\\ ";
        let mut i = 0;
        while i < punct.len() {
            t[punct[i] as usize] = true;
            i += 1;
        }
        t
    }
    const BAD: [bool; 128] = bad_ascii();
    if path.is_empty() || path == "go" || path == "type" {
        return false;
    }
    let ascii = path.bytes().take_while(u8::is_ascii).count();
    let (head, rest) = path.split_at_checked(ascii).unwrap_or((path, ""));
    !head
        .bytes()
        .any(|b| BAD.get(usize::from(b)).copied().unwrap_or(true))
        && !rest.chars().any(bad_import_path_char)
}

/// A character `checkImportPath` refuses in an import path (the ASCII ones are also in the
/// table `is_import_path` checks first).
fn bad_import_path_char(c: char) -> bool {
    c < ' '
        || c == '\x7f'
        || c == '\\'
        || c == char::REPLACEMENT_CHARACTER
        || c.is_whitespace()
        || "!\"#$%&'()*,:;<=>?[]^`{|}".contains(c)
}

/// `objabi.PrefixToPath`: undo `%xx` escapes (a malformed escape is kept as is).
pub fn prefix_to_path(s: &str) -> String {
    prefix_to_path_cow(s).into_owned()
}

/// [`prefix_to_path`], borrowing when there is nothing to undo.
pub fn prefix_to_path_cow(s: &str) -> Cow<'_, str> {
    if !s.contains('%') {
        return Cow::Borrowed(s);
    }
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        let hex = b
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (c, hex) {
            (b'%', Some(v)) => {
                out.push(v);
                i += 3;
            }
            _ => {
                out.push(c);
                i += 1;
            }
        }
    }
    Cow::Owned(String::from_utf8_lossy(&out).into_owned())
}

/// `objabi.PathToPrefix`: the linker's form of an import path (control bytes, space, `%`,
/// `"`, bytes ≥ 0x7f, and `.` in the last element as `%xx`), which the runtime's
/// `GODEBUG=inittrace=1` prints.
pub fn path_to_prefix(path: &str) -> Cow<'_, str> {
    let slash = path.rfind('/').map_or(0, |s| s + 1);
    let escape = |i: usize, c: u8| {
        c <= b' ' || (c == b'.' && i >= slash) || c == b'%' || c == b'"' || c >= 0x7f
    };
    if !path.bytes().enumerate().any(|(i, c)| escape(i, c)) {
        return Cow::Borrowed(path);
    }
    let mut out = String::with_capacity(path.len() + 8);
    for (i, c) in path.bytes().enumerate() {
        if escape(i, c) {
            out.push_str(&format!("%{c:02x}"));
        } else {
            out.push(char::from(c));
        }
    }
    Cow::Owned(out)
}

/// The package a function's code belongs to: by name, except that code in the runtime's
/// source directory is the runtime's.
pub fn code_package(name: &str, file: Option<&str>) -> Option<String> {
    let pkg = funcpkgpath(name)?;
    if pkg == "runtime" {
        return Some(pkg);
    }
    if let Some(f) = file {
        let dir = f.rsplit_once('/').map_or("", |(d, _)| d);
        let in_pkg_dir = dir == pkg || dir.ends_with(&format!("/{pkg}"));
        let runtime_dir = dir == "runtime" || dir.ends_with("/runtime");
        if !in_pkg_dir && runtime_dir {
            return Some("runtime".to_string());
        }
    }
    Some(pkg)
}

/// The package of the concrete type of an itab symbol (`go:itab.*example.com/x.T,io.Reader`).
pub fn itab_package(symbol: &str) -> Option<String> {
    let rest = symbol
        .strip_prefix("go:itab.")
        .or_else(|| symbol.strip_prefix("go.itab."))?;
    let ty = rest.split(',').next()?.trim_start_matches('*');
    funcpkgpath(ty)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn import_path_test_is_checkimportpath_for_every_char() {
        // The rule as written before the ASCII table, char by char.
        let slow = |path: &str| {
            !path.is_empty()
                && path != "go"
                && path != "type"
                && !path.chars().any(bad_import_path_char)
        };
        for c in (0..0x3100u32)
            .chain([0xfeff, 0xfffd, 0x1_0000])
            .filter_map(char::from_u32)
        {
            for p in [
                format!("a{c}"),
                format!("{c}b/c"),
                format!("é/{c}"),
                c.to_string(),
            ] {
                assert_eq!(is_import_path(&p), slow(&p), "{p:?}");
            }
        }
        for p in [
            "",
            "go",
            "type",
            "net/http",
            "example.com/a.b/c",
            "gopkg.in/ini.v1",
            "a b",
        ] {
            assert_eq!(is_import_path(p), slow(p), "{p:?}");
        }
    }

    #[test]
    fn package_rule_is_gos() {
        for (name, pkg) in [
            ("example.com/b.init.0", Some("example.com/b")),
            ("main.init", Some("main")),
            ("main.main", Some("main")),
            ("net/http.(*Server).Serve", Some("net/http")),
            ("go/ast.Inspect", Some("go/ast")),
            ("runtime.gcBgMarkWorker.func1", Some("runtime")),
            ("gopkg.in/yaml%2ev3.Unmarshal", Some("gopkg.in/yaml.v3")),
            ("slices.Sort[go.shape.[]example.com/x.T]", Some("slices")),
            ("main.Max[go.shape.int]", Some("main")),
            ("main.Max[...]", Some("main")),
            (
                "example.com/x.(*T[example.com/y.Z]).M",
                Some("example.com/x"),
            ),
            (
                "example.com/initgraph/foo-x.init.0",
                Some("example.com/initgraph/foo-x"),
            ),
            // Module paths that begin with "go." (issue #12).
            ("go.uber.org/zap.New", Some("go.uber.org/zap")),
            (
                "go.opencensus.io/internal.init",
                Some("go.opencensus.io/internal"),
            ),
            (
                "go.example.org/lib.init.0.func1",
                Some("go.example.org/lib"),
            ),
            ("go.example.org/lib.(*T).M-fm", Some("go.example.org/lib")),
            (
                "go.example.org/lib.Map[go.shape.int_0]",
                Some("go.example.org/lib"),
            ),
            (
                "example.org/ini%2ev1.First[...]",
                Some("example.org/ini.v1"),
            ),
            // Generated equality and hash functions belong to their type's package.
            ("type:.eq.go.example.org/lib.T", Some("go.example.org/lib")),
            (
                "type..eq.example.org/ini%2ev1.Key",
                Some("example.org/ini.v1"),
            ),
            ("type..hash.main.T", Some("main")),
            ("type:.eq.main.T", Some("main")),
            // Compiler-made names of both eras carry no package.
            ("type:.eq.[2]interface {}", None),
            ("type..eq.[2]interface {}", None),
            ("type:.eq.M24S", None),
            ("type:.eq.[6]internal/cpu.option", None),
            ("type:*example.com/x.T", None),
            ("type.*example.com/x.T", None),
            ("type.example.com/x.T", None),
            ("type..importpath.example.com/x.", None),
            ("go:buildid", None),
            ("go:itab.*example.com/x.T,io.Reader", None),
            ("go.buildid", None),
            ("go.buildinfo", None),
            ("go.shape.int_0", None),
            ("go.string.*", None),
            ("go.func.*", None),
            ("go.itab.*example.com/x.T,io/fs.FS", None),
            ("go.itab.internal/poll.errNetClosing,error", None),
            ("go.(*struct { io.Reader; io.WriterTo }).Read", None),
            ("go.(*struct { example.com/x.R }).Read", None),
            ("go.struct { io.Reader; io.WriterTo }.Read", None),
            ("go.link.pkghashbytes.example.com/x", None),
            ("go.info.example.com/x.F", None),
            ("_rt0_amd64_linux", None),
            ("noDot", None),
            ("", None),
        ] {
            assert_eq!(package_of(name).as_deref(), pkg, "{name}");
        }
        assert_eq!(prefix_to_path("a%zzb%41"), "a%zzbA");
        // A malformed escape leaves a '%', which no import path holds.
        assert_eq!(package_of("example.org/a%zz.F"), None);
    }

    #[test]
    fn path_to_prefix_is_the_linkers() {
        assert_eq!(path_to_prefix("gopkg.in/ini.v1"), "gopkg.in/ini%2ev1");
        assert_eq!(path_to_prefix("go.uber.org/zap"), "go.uber.org/zap");
        assert_eq!(path_to_prefix("a.b"), "a%2eb");
        assert_eq!(path_to_prefix("x/a b%\"\u{e9}"), "x/a%20b%25%22%c3%a9");
        for p in ["gopkg.in/ini.v1", "example.org/x y", "go.uber.org/zap"] {
            assert_eq!(prefix_to_path(&path_to_prefix(p)), p);
        }
    }

    #[test]
    fn runtime_source_files_belong_to_runtime() {
        let c = |n, f| code_package(n, Some(f));
        assert_eq!(
            c("sync.runtime_Semacquire", "/go/src/runtime/sema.go").as_deref(),
            Some("runtime")
        );
        assert_eq!(
            c("sync.(*Mutex).Lock", "/go/src/sync/mutex.go").as_deref(),
            Some("sync")
        );
        assert_eq!(
            c(
                "internal/runtime/maps.f",
                "/go/src/internal/runtime/maps/m.go"
            )
            .as_deref(),
            Some("internal/runtime/maps")
        );
        assert_eq!(
            itab_package("go:itab.*example.com/x.T,io.Reader").as_deref(),
            Some("example.com/x")
        );
    }
}

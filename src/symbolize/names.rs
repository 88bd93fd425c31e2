//! What a Go symbol name says about its package: the runtime's `funcpkgpath`
//! (`src/runtime/symtab.go`), `objabi.PrefixToPath` (`src/cmd/internal/objabi/path.go`), the
//! runtime's own code under other packages' names, and itab symbols (docs/FORMATS.md §1.6).
//!
//! Package attribution follows `funcpkgpath`: the path up to the first `.` after the last
//! `/`, generic type arguments removed; and a function whose source file lies in the
//! runtime's directory belongs to `runtime` whatever its name (the runtime implements
//! `sync.runtime_Semacquire`, `time.now`, `reflect.unsafe_New`, … under other packages'
//! names with `//go:linkname`).

/// The runtime's `funcpkgpath`: the package path of a symbol name, generic type arguments
/// removed (`slices.Sort[...]` → `slices`), the linker's `%xx` escapes undone
/// (`gopkg.in/yaml%2ev3.Unmarshal` → `gopkg.in/yaml.v3`). `None` for names that carry no
/// package (`type:.eq.*`, `go:*`, assembly and C names without a dot).
pub fn funcpkgpath(name: &str) -> Option<String> {
    if name.starts_with("type:")
        || name.starts_with("type.")
        || name.starts_with("go:")
        || name.starts_with("go.")
        || name.starts_with("gclocals")
        || name.starts_with('_')
        || name.is_empty()
    {
        return None;
    }
    let head = match name.find('[') {
        Some(b) => name.get(..b)?,
        None => name,
    };
    let slash = head.rfind('/').map_or(0, |s| s + 1);
    let dot = head.get(slash..)?.find('.')? + slash;
    let pkg = head.get(..dot)?;
    if pkg.is_empty() {
        None
    } else {
        Some(prefix_to_path(pkg))
    }
}

/// `objabi.PrefixToPath`: undo `%xx` escapes (a malformed escape is kept as is).
pub fn prefix_to_path(s: &str) -> String {
    if !s.contains('%') {
        return s.to_string();
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
    String::from_utf8_lossy(&out).into_owned()
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
    fn funcpkgpath_is_the_runtime_rule() {
        let f = |s| funcpkgpath(s);
        assert_eq!(f("example.com/b.init.0").as_deref(), Some("example.com/b"));
        assert_eq!(f("main.init").as_deref(), Some("main"));
        assert_eq!(f("net/http.(*Server).Serve").as_deref(), Some("net/http"));
        assert_eq!(
            f("gopkg.in/yaml%2ev3.Unmarshal").as_deref(),
            Some("gopkg.in/yaml.v3")
        );
        assert_eq!(
            f("slices.Sort[go.shape.[]example.com/x.T]").as_deref(),
            Some("slices")
        );
        assert_eq!(prefix_to_path("a%zzb%41"), "a%zzbA");
        assert_eq!(funcpkgpath("type:.eq.example.com/x.T"), None);
        assert_eq!(funcpkgpath("noDot"), None);
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

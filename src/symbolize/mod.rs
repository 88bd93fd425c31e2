//! One symbolizer for every command: program counter → function and name → function, over
//! the function tables a binary can carry, in this order of preference:
//!
//! 1. the pclntab (`src/runtime/symtab.go` `functab`; decoded by [`crate::go::pclntab`];
//!    docs/FORMATS.md §1.4 and §1.9),
//!    present in every Go binary, stripped ones included;
//! 2. the static symbol table (ELF `.symtab`, PE COFF symbols, Mach-O `LC_SYMTAB`), its
//!    function symbols;
//! 3. the dynamic symbol table (ELF `.dynsym`), its function symbols.
//!
//! A [`Symbolizer`] uses the first of the tables it is given ([`Source`]) that holds any
//! function, and only that one, so that every answer comes from one consistent table (a pc
//! the pclntab does not cover is no Go function, whatever `.symtab` says). Named data
//! (`go:itab.*`, `example.com/x.table`) is looked up with [`DataSymbols`]; what a Go symbol
//! name says about its package is in `symbolize::names`.
//!
//! ```no_run
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use goelf::symbolize::{Source, Symbolizer};
//! let data = std::fs::read("testdata/example/hello")?;
//! let image = goelf::image::Image::parse(&data)?;
//! let sym = Symbolizer::new(&image, None, Source::ALL);
//! if let Some(f) = sym.by_name("main.main") {
//!     println!("{} at {:#x}..{:#x}", f.name, f.entry, f.end);
//! }
//! # Ok(())
//! # }
//! ```
//!
//! For the other users (the lead switches them after merging):
//! - `funcs --addr` (`cmd_funcs.rs` `lookup`) is [`Symbolizer::lookup`] plus the pclntab's
//!   file/line and inlining for [`Function::index`];
//! - ELF init-array resolution (`elf/init_array.rs` `SymbolIndex`) names an address by an
//!   exact symbol of any kind first; [`Symbolizer::lookup`] then gives the containing
//!   function, [`DataSymbols::name_at`] named data.

pub(crate) mod names;

pub use names::package_of;

use crate::go::pclntab::Pclntab;
use crate::image::{Image, SymbolKind};

/// A function table a [`Symbolizer`] may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// The Go pclntab.
    Pclntab,
    /// Function symbols of the static symbol table.
    Symtab,
    /// Function symbols of the dynamic symbol table.
    Dynsym,
}

impl Source {
    /// Every table, in order of preference.
    pub const ALL: &'static [Source] = &[Source::Pclntab, Source::Symtab, Source::Dynsym];
}

/// A function: its address range and name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Function {
    /// Entry PC.
    pub entry: u64,
    /// End PC (exclusive): the pclntab's, the symbol's size, else the next symbol.
    pub end: u64,
    /// Name (invalid UTF-8 replaced).
    pub name: String,
    /// Index in the pclntab, when it came from there.
    pub index: Option<usize>,
}

/// Functions by address and by name from one table; see the module docs.
pub struct Symbolizer<'p, 'a> {
    pclntab: Option<&'p Pclntab<'a>>,
    /// (address, size, name) of the symbol table in use, by address.
    syms: Vec<(u64, u64, &'a [u8])>,
    source: Option<Source>,
}

impl std::fmt::Debug for Symbolizer<'_, '_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Symbolizer")
            .field("source", &self.source)
            .field("symbols", &self.syms.len())
            .finish()
    }
}

impl<'p, 'a> Symbolizer<'p, 'a> {
    /// A symbolizer over the first of `sources` that has functions: `pclntab` (when given),
    /// else `image`'s static or dynamic function symbols.
    pub fn new(image: &Image<'a>, pclntab: Option<&'p Pclntab<'a>>, sources: &[Source]) -> Self {
        for &source in sources {
            match source {
                Source::Pclntab => {
                    if let Some(p) = pclntab {
                        return Symbolizer {
                            pclntab: Some(p),
                            syms: Vec::new(),
                            source: Some(source),
                        };
                    }
                }
                Source::Symtab | Source::Dynsym => {
                    let dynamic = source == Source::Dynsym;
                    let mut syms: Vec<(u64, u64, &'a [u8])> = image
                        .symbols()
                        .iter()
                        .filter(|s| s.kind == SymbolKind::Text && s.dynamic == dynamic)
                        .map(|s| (s.vaddr, s.size, s.name))
                        .collect();
                    if syms.is_empty() {
                        continue;
                    }
                    syms.sort_unstable_by_key(|s| s.0);
                    return Symbolizer {
                        pclntab: None,
                        syms,
                        source: Some(source),
                    };
                }
            }
        }
        Symbolizer {
            pclntab: None,
            syms: Vec::new(),
            source: None,
        }
    }

    /// The table in use; `None` when no table had functions.
    pub fn source(&self) -> Option<Source> {
        self.source
    }

    /// True when a table with functions is in use.
    pub fn available(&self) -> bool {
        self.source.is_some()
    }

    /// The function containing `pc`.
    pub fn lookup(&self, pc: u64) -> Option<Function> {
        if let Some(p) = self.pclntab {
            let i = p.find_func(pc)?;
            let f = p.func(i).ok()?;
            return Some(Function {
                entry: f.entry,
                end: f.end,
                name: f.name_str().into_owned(),
                index: Some(i),
            });
        }
        let at = self.syms.partition_point(|s| s.0 <= pc).checked_sub(1)?;
        let (entry, size, name) = *self.syms.get(at)?;
        let next = self
            .syms
            .get(at.saturating_add(1))
            .map_or(u64::MAX, |s| s.0);
        let end = if size > 0 {
            entry.saturating_add(size)
        } else {
            next
        };
        (pc < end).then(|| Function {
            entry,
            end,
            name: String::from_utf8_lossy(name).into_owned(),
            index: None,
        })
    }

    /// The name of the function containing `pc`.
    pub fn name_at(&self, pc: u64) -> Option<String> {
        self.lookup(pc).map(|f| f.name)
    }

    /// The first function named `name` (table order for the pclntab, address order for
    /// symbols). A linear scan: for a few names, not for every function.
    pub fn by_name(&self, name: &str) -> Option<Function> {
        if let Some(p) = self.pclntab {
            return p
                .funcs()
                .flatten()
                .find(|f| f.name == name.as_bytes())
                .map(|f| Function {
                    entry: f.entry,
                    end: f.end,
                    name: name.to_string(),
                    index: Some(f.index),
                });
        }
        let s = self.syms.iter().find(|s| s.2 == name.as_bytes())?;
        self.lookup(s.0)
    }

    /// The source file of `f`'s entry, from the pclntab (`None` for symbol-table functions).
    pub fn file(&self, f: &Function) -> Option<String> {
        let p = self.pclntab?;
        let func = p.func(f.index?).ok()?;
        p.file_line(&func, f.entry).ok().map(|(file, _)| file)
    }

    /// Every function, in table order, decoded one at a time (no list of them all is held).
    pub fn functions(&self) -> Box<dyn Iterator<Item = Function> + '_> {
        if let Some(p) = self.pclntab {
            return Box::new(p.funcs().flatten().map(|f| Function {
                entry: f.entry,
                end: f.end,
                name: f.name_str().into_owned(),
                index: Some(f.index),
            }));
        }
        Box::new(self.syms.iter().filter_map(|s| self.lookup(s.0)))
    }
}

/// Named data by address: the static symbols that are not functions.
#[derive(Debug)]
pub struct DataSymbols<'a> {
    syms: Vec<(u64, u64, &'a [u8])>,
}

impl<'a> DataSymbols<'a> {
    /// The non-function static symbols of `image`.
    pub fn new(image: &Image<'a>) -> Self {
        let mut syms: Vec<(u64, u64, &'a [u8])> = image
            .symbols()
            .iter()
            .filter(|s| !s.dynamic && s.kind != SymbolKind::Text)
            .map(|s| (s.vaddr, s.size, s.name))
            .collect();
        syms.sort_unstable_by_key(|s| s.0);
        DataSymbols { syms }
    }

    /// The symbol at `addr` or whose size covers it.
    pub fn name_at(&self, addr: u64) -> Option<String> {
        let i = self.syms.partition_point(|s| s.0 <= addr).checked_sub(1)?;
        let (v, sz, n) = *self.syms.get(i)?;
        (addr == v || addr - v < sz).then(|| String::from_utf8_lossy(n).into_owned())
    }
}

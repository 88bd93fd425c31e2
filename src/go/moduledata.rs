//! `runtime.moduledata`: the runtime's per-module table of text/data bounds, types, typelinks,
//! itablinks, init tasks and more, with its field layout per Go version (1.8–1.27, see
//! [`super::layout::MODULEDATA_LAYOUTS`]).
//!
//! Sources: `src/runtime/symtab.go` (`moduledata`), `src/cmd/link/internal/ld/symtab.go`
//! (writer), docs/FORMATS.md §2.
//!
//! Found through the `runtime.firstmoduledata` symbol, the `.go.module` section (Go 1.26+;
//! Mach-O `__go_module`), or by scanning writable data for a pointer-sized word equal to the
//! pclntab's address (the first field points at the table in every era). Every candidate is
//! checked against the pclntab and against the shape of the layout (docs/FORMATS.md §2.2) before
//! it is believed; without a Go version, each layout of the pclntab's era is tried.
//!

use serde::{Deserialize, Serialize};

use super::era::Era;
use super::layout::{self, Kind, MdField, ModuledataLayout};
use super::pclntab::Pclntab;
use super::version::GoVersion;
use crate::error::{Error, Problem, Result};
use crate::image::Image;
use crate::limits;

/// Summary reported by `goelf inspect` (`go.moduledata` in JSON). A field the Go version's
/// layout lacks is `null`, never a guess.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModuledataInfo {
    /// Address of the structure.
    pub address: u64,
    /// How it was found: `symbol`, `section` or `scan`.
    pub found_by: String,
    /// Which layout decoded it (e.g. `go1.21-1.22`). Without a Go version, layouts that
    /// decode the same values are all named, joined by ` or `.
    pub layout: String,
    /// `text`.
    pub text: u64,
    /// `etext`.
    pub etext: u64,
    /// `types`.
    pub types: Option<u64>,
    /// `etypes`.
    pub etypes: Option<u64>,
    /// Length of `typelinks` (absent from Go 1.27).
    pub typelinks: Option<u64>,
    /// Length of `itablinks` (absent from Go 1.27).
    pub itablinks: Option<u64>,
    /// Length of `inittasks` (Go 1.21+).
    pub inittasks: Option<u64>,
    /// `hasmain`.
    pub hasmain: Option<bool>,
    /// `gofunc` (1.18+): the base of funcdata offsets.
    pub gofunc: Option<u64>,
    /// Size of the structure in this layout.
    pub size: u64,
}

/// A decoded field value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldValue {
    /// Pointer or uintptr.
    Ptr(u64),
    /// Slice header.
    Slice {
        /// Data pointer.
        ptr: u64,
        /// Length.
        len: u64,
        /// Capacity.
        cap: u64,
    },
    /// String header.
    Str {
        /// Data pointer.
        ptr: u64,
        /// Length.
        len: u64,
    },
    /// uint8 or bool.
    Byte(u8),
    /// A runtime-only field (bitvector) that goelf does not decode.
    Other,
}

/// A located and decoded moduledata.
#[derive(Debug, Clone)]
pub struct Moduledata {
    info: ModuledataInfo,
    inittasks: Option<(u64, u64)>,
    layout: &'static ModuledataLayout,
    values: Vec<(MdField, FieldValue)>,
}

impl Moduledata {
    /// Locate and decode the first moduledata.
    pub fn find(
        image: &Image<'_>,
        pclntab: &Pclntab<'_>,
        version: Option<GoVersion>,
        problems: &mut Vec<Problem>,
    ) -> Result<Moduledata> {
        let era = pclntab.era();
        let mut layouts: Vec<&'static ModuledataLayout> =
            layout::moduledata_candidates(era, version).collect();
        if layouts.is_empty() {
            if let Some(v) = version {
                problems.push(Problem::new(
                    "moduledata.unknown_version",
                    format!("no moduledata layout for {v}; trying every layout of the pclntab era"),
                ));
            }
            layouts = layout::moduledata_candidates(era, None).collect();
        }
        let mut last_err = None;
        // 1. Go 1.26+: its own section, which is the structure itself (cheapest, and it
        //    survives -s -w).
        for name in [".go.module", "__go_module"] {
            if let Some(sec) = image.section(name) {
                match Self::decode_any(image, pclntab, sec.vaddr, &layouts, "section") {
                    Ok(md) => return Ok(md),
                    Err(e) => last_err = Some(e),
                }
            }
        }
        // 2. The symbol (needs the symbol table, which is costly on a large binary).
        for name in [
            "runtime.firstmoduledata",
            "local.pluginmoduledata",
            "local.moduledata",
        ] {
            if let Some(sym) = image.symbol(name) {
                match Self::decode_any(image, pclntab, sym.vaddr, &layouts, "symbol") {
                    Ok(md) => return Ok(md),
                    Err(e) => last_err = Some(e),
                }
            }
        }
        // 3. A pointer to the pclntab in writable data.
        if let Some(md) = Self::scan(image, pclntab, &layouts) {
            return Ok(md);
        }
        if let Some(e) = last_err {
            problems.push(Problem::from_error("moduledata", &e));
        }
        Err(Error::NotFound("moduledata"))
    }

    fn scan(
        image: &Image<'_>,
        pclntab: &Pclntab<'_>,
        layouts: &[&'static ModuledataLayout],
    ) -> Option<Moduledata> {
        let target = pclntab.vaddr()?;
        let ptr = image.arch().ptr_size;
        let endian = image.arch().endian;
        // `.noptrdata` first (1.19–1.25 and older), then every writable region.
        let mut regions: Vec<(u64, u64)> = Vec::new();
        for name in [".noptrdata", "__noptrdata", ".go.module", "__go_module"] {
            if let Some(s) = image.section(name) {
                if let Some((_, len)) = s.file_range {
                    regions.push((s.vaddr, len));
                }
            }
        }
        for s in image.file_regions(|s| s.write) {
            regions.push((s.vaddr, s.filesz));
        }
        let mut hits = 0usize;
        let mut seen = std::collections::BTreeSet::new();
        for (start, len) in regions {
            let Ok(r) = image.reader_at_vaddr("moduledata scan", start, len) else {
                continue;
            };
            let data = r.data();
            let p = usize::from(ptr);
            let skew = usize::try_from((p as u64 - start % p as u64) % p as u64).unwrap_or(0);
            let mut i = skew;
            while i + p <= data.len() {
                let w = data
                    .get(i..i + p)
                    .and_then(|b| crate::bytes::uptr_from(b, endian, ptr));
                if w == Some(target) {
                    let addr = start.wrapping_add(i as u64);
                    if seen.insert(addr) {
                        hits += 1;
                        if hits > limits::MAX_MODULEDATA_CANDIDATES {
                            return None;
                        }
                        if let Ok(md) = Self::decode_any(image, pclntab, addr, layouts, "scan") {
                            return Some(md);
                        }
                    }
                }
                i += p;
            }
        }
        None
    }

    /// Decode at `addr` with each layout; keep the first that validates, naming every
    /// other layout that decodes the same summary.
    fn decode_any(
        image: &Image<'_>,
        pclntab: &Pclntab<'_>,
        addr: u64,
        layouts: &[&'static ModuledataLayout],
        found_by: &str,
    ) -> Result<Moduledata> {
        let mut best: Option<Moduledata> = None;
        let mut also = Vec::new();
        let mut last = None;
        for l in layouts {
            match Self::decode(image, pclntab, addr, l, found_by) {
                Ok(md) => match &best {
                    None => best = Some(md),
                    Some(b) if same_summary(&b.info, &md.info) => also.push(l.name),
                    Some(_) => {}
                },
                Err(e) => last = Some(e),
            }
        }
        match best {
            Some(mut b) => {
                if !also.is_empty() {
                    b.info.layout = std::iter::once(b.layout.name)
                        .chain(also)
                        .collect::<Vec<_>>()
                        .join(" or ");
                }
                Ok(b)
            }
            None => Err(last.unwrap_or(Error::NotFound("moduledata layout"))),
        }
    }

    /// Decode and validate one layout at `addr`.
    pub fn decode(
        image: &Image<'_>,
        pclntab: &Pclntab<'_>,
        addr: u64,
        l: &'static ModuledataLayout,
        found_by: &str,
    ) -> Result<Moduledata> {
        let ptr = image.arch().ptr_size;
        let size = l.size(ptr);
        let r = image.reader_at_vaddr("moduledata", addr, size)?;
        let mut values = Vec::with_capacity(l.fields.len());
        for &(f, k) in l.fields {
            let off = l.offset(f, ptr).unwrap_or(0);
            let p = u64::from(ptr);
            let v = match k {
                Kind::Ptr => FieldValue::Ptr(r.uptr_at("moduledata field", off)?),
                Kind::Slice => FieldValue::Slice {
                    ptr: r.uptr_at("moduledata slice", off)?,
                    len: r.uptr_at("moduledata slice", off + p)?,
                    cap: r.uptr_at("moduledata slice", off + 2 * p)?,
                },
                Kind::Str => FieldValue::Str {
                    ptr: r.uptr_at("moduledata string", off)?,
                    len: r.uptr_at("moduledata string", off + p)?,
                },
                Kind::Byte => FieldValue::Byte(r.u8_at("moduledata byte", off)?),
                Kind::BitVector => FieldValue::Other,
            };
            values.push((f, v));
        }
        let md = Moduledata {
            info: ModuledataInfo {
                address: addr,
                found_by: found_by.to_string(),
                layout: l.name.to_string(),
                text: 0,
                etext: 0,
                types: None,
                etypes: None,
                typelinks: None,
                itablinks: None,
                inittasks: None,
                hasmain: None,
                gofunc: None,
                size,
            },
            inittasks: None,
            layout: l,
            values,
        };
        md.validate(image, pclntab, addr)?;
        Ok(md.summarise())
    }

    fn summarise(mut self) -> Moduledata {
        let len = |md: &Moduledata, f| md.slice(f).map(|(_, l, _)| l);
        let info = ModuledataInfo {
            text: self.ptr(MdField::Text).unwrap_or(0),
            etext: self.ptr(MdField::Etext).unwrap_or(0),
            types: self.ptr(MdField::Types),
            etypes: self.ptr(MdField::Etypes),
            typelinks: len(&self, MdField::Typelinks),
            itablinks: len(&self, MdField::Itablinks),
            inittasks: len(&self, MdField::Inittasks),
            hasmain: self.byte(MdField::Hasmain).map(|b| b != 0),
            gofunc: self.ptr(MdField::Gofunc),
            ..self.info.clone()
        };
        self.inittasks = self.slice(MdField::Inittasks).map(|(p, l, _)| (p, l));
        self.info = info;
        self
    }

    fn validate(&self, image: &Image<'_>, pcl: &Pclntab<'_>, addr: u64) -> Result<()> {
        let bad = |what: &'static str, found: u64| Error::BadValue {
            what,
            offset: image.vaddr_to_offset(addr).unwrap_or(0),
            expected: "a moduledata consistent with the pclntab",
            found,
        };
        let pcl_va = pcl.vaddr().ok_or(Error::NotFound("pclntab address"))?;
        let [funcname, cu, filetab, pctab, functab] = pcl.table_offsets();
        let nfunc = pcl.nfunc() as u64;
        let p = u64::from(image.arch().ptr_size);
        let want_ptr = |f: MdField, v: u64, what: &'static str| -> Result<()> {
            match self.ptr(f).or_else(|| self.slice(f).map(|s| s.0)) {
                Some(x) if x == v => Ok(()),
                Some(x) => Err(bad(what, x)),
                None => Ok(()),
            }
        };
        if pcl.era() == Era::Go12 {
            want_ptr(MdField::Pclntable, pcl_va, "moduledata.pclntable")?;
            want_ptr(MdField::Ftab, pcl_va.wrapping_add(8 + p), "moduledata.ftab")?;
            want_ptr(
                MdField::Filetab,
                pcl_va.wrapping_add(filetab),
                "moduledata.filetab",
            )?;
        } else {
            want_ptr(MdField::PcHeader, pcl_va, "moduledata.pcHeader")?;
            want_ptr(
                MdField::Funcnametab,
                pcl_va.wrapping_add(funcname),
                "moduledata.funcnametab",
            )?;
            want_ptr(MdField::Cutab, pcl_va.wrapping_add(cu), "moduledata.cutab")?;
            want_ptr(
                MdField::Filetab,
                pcl_va.wrapping_add(filetab),
                "moduledata.filetab",
            )?;
            want_ptr(
                MdField::Pctab,
                pcl_va.wrapping_add(pctab),
                "moduledata.pctab",
            )?;
            want_ptr(
                MdField::Pclntable,
                pcl_va.wrapping_add(functab),
                "moduledata.pclntable",
            )?;
            want_ptr(
                MdField::Ftab,
                pcl_va.wrapping_add(functab),
                "moduledata.ftab",
            )?;
        }
        match self.slice(MdField::Ftab) {
            Some((_, len, _)) if len == nfunc + 1 => {}
            other => return Err(bad("moduledata.ftab length", other.map_or(0, |s| s.1))),
        }
        let text = self.ptr(MdField::Text).unwrap_or(0);
        let etext = self.ptr(MdField::Etext).unwrap_or(0);
        let (e0, en) = (pcl.entry_raw_at(0)?, pcl.entry_raw_at(pcl.nfunc())?);
        let (minpc, maxpc) = if pcl.era() >= Era::Go118 {
            (text.wrapping_add(e0), text.wrapping_add(en))
        } else {
            (e0, en)
        };
        if self.ptr(MdField::Minpc) != Some(minpc) {
            return Err(bad(
                "moduledata.minpc",
                self.ptr(MdField::Minpc).unwrap_or(0),
            ));
        }
        if self.ptr(MdField::Maxpc) != Some(maxpc) {
            return Err(bad(
                "moduledata.maxpc",
                self.ptr(MdField::Maxpc).unwrap_or(0),
            ));
        }
        if text > etext || minpc < text || !image.is_mapped_vaddr(text) {
            return Err(bad("moduledata.text", text));
        }
        for (a, b) in [
            (MdField::Noptrdata, MdField::Enoptrdata),
            (MdField::Data, MdField::Edata),
            (MdField::Bss, MdField::Ebss),
            (MdField::Noptrbss, MdField::Enoptrbss),
            (MdField::Types, MdField::Etypes),
            (MdField::Covctrs, MdField::Ecovctrs),
        ] {
            if let (Some(x), Some(y)) = (self.ptr(a), self.ptr(b)) {
                if x > y {
                    return Err(bad("moduledata section bounds", x));
                }
            }
        }
        if pcl.era() >= Era::Go118 {
            if let Some(ts) = pcl.header_text_start().filter(|&t| t != 0) {
                if ts != text {
                    return Err(bad("moduledata.text (pcHeader textStart)", text));
                }
            }
        }
        if let Some(ep) = self.ptr(MdField::Epclntab) {
            if ep <= pcl_va {
                return Err(bad("moduledata.epclntab", ep));
            }
        }
        for &(f, v) in &self.values {
            match v {
                FieldValue::Slice { ptr, len, cap }
                    if len > cap
                        || (ptr == 0 && cap != 0)
                        || (ptr != 0 && !image.is_mapped_vaddr(ptr)) =>
                {
                    return Err(bad("moduledata slice header", ptr));
                }
                FieldValue::Str { ptr, len }
                    if (ptr == 0 && len != 0) || (ptr != 0 && !image.is_mapped_vaddr(ptr)) =>
                {
                    return Err(bad("moduledata string header", ptr));
                }
                FieldValue::Byte(b) if b > 1 => return Err(bad("moduledata bool", u64::from(b))),
                FieldValue::Ptr(x) => {
                    let must_map = matches!(
                        f,
                        MdField::Types | MdField::Gofunc | MdField::Findfunctab | MdField::Rodata
                    );
                    if must_map && x != 0 && !image.is_mapped_vaddr(x) {
                        return Err(bad("moduledata pointer", x));
                    }
                    // Filled in at run time; zero in the file.
                    if f == MdField::Typemap && x != 0 {
                        return Err(bad("moduledata.typemap", x));
                    }
                    if f == MdField::Next && x != 0 && !image.is_mapped_vaddr(x) {
                        return Err(bad("moduledata.next", x));
                    }
                }
                _ => {}
            }
        }
        if let Some((_, n, _)) = self.slice(MdField::Inittasks) {
            if n > limits::MAX_INIT_TASKS as u64 {
                return Err(Error::TooMany {
                    what: "moduledata.inittasks",
                    count: n,
                    limit: limits::MAX_INIT_TASKS as u64,
                });
            }
        }
        Ok(())
    }

    /// The serializable summary.
    pub fn info(&self) -> ModuledataInfo {
        self.info.clone()
    }

    /// (address, count) of the inittasks slice, Go 1.21+.
    pub fn inittasks(&self) -> Option<(u64, u64)> {
        self.inittasks
    }

    /// `text`.
    pub fn text(&self) -> u64 {
        self.info.text
    }

    /// `etext`.
    pub fn etext(&self) -> u64 {
        self.info.etext
    }

    /// What a located pclntab is settled with ([`Pclntab`]'s text and funcdata bases).
    pub(crate) fn bases(&self) -> super::pclntab::ModuledataBases {
        super::pclntab::ModuledataBases {
            text: self.text(),
            gofunc: self.gofunc(),
        }
    }

    /// `gofunc` (1.18+).
    pub fn gofunc(&self) -> Option<u64> {
        self.info.gofunc
    }

    /// The layout that decoded it.
    pub fn layout(&self) -> &'static ModuledataLayout {
        self.layout
    }

    /// The decoded value of a field, `None` when the layout lacks it.
    pub fn field(&self, f: MdField) -> Option<FieldValue> {
        self.values.iter().find(|(g, _)| *g == f).map(|(_, v)| *v)
    }

    /// A pointer-sized field.
    pub fn ptr(&self, f: MdField) -> Option<u64> {
        match self.field(f)? {
            FieldValue::Ptr(v) => Some(v),
            _ => None,
        }
    }

    /// A slice field as (ptr, len, cap).
    pub fn slice(&self, f: MdField) -> Option<(u64, u64, u64)> {
        match self.field(f)? {
            FieldValue::Slice { ptr, len, cap } => Some((ptr, len, cap)),
            _ => None,
        }
    }

    /// A byte field.
    pub fn byte(&self, f: MdField) -> Option<u8> {
        match self.field(f)? {
            FieldValue::Byte(b) => Some(b),
            _ => None,
        }
    }

    /// Addresses of the modules linked after this one through `next`, at most
    /// [`limits::MAX_MODULE_CHAIN`], stopping at a repeat or an unreadable link. `next` is
    /// set at run time, so a file normally has none.
    pub fn chain(&self, image: &Image<'_>) -> Vec<u64> {
        let mut out = Vec::new();
        let ptr = image.arch().ptr_size;
        let Some(next_off) = self.layout.offset(MdField::Next, ptr) else {
            return out;
        };
        let mut seen = std::collections::BTreeSet::from([self.info.address]);
        let mut cur = self.ptr(MdField::Next).unwrap_or(0);
        while cur != 0 && out.len() < limits::MAX_MODULE_CHAIN && seen.insert(cur) {
            out.push(cur);
            cur = image
                .uptr_at_vaddr("moduledata.next", cur.wrapping_add(next_off))
                .unwrap_or(0);
        }
        out
    }
}

fn same_summary(a: &ModuledataInfo, b: &ModuledataInfo) -> bool {
    (
        a.text,
        a.etext,
        a.types,
        a.etypes,
        a.typelinks,
        a.itablinks,
        a.hasmain,
    ) == (
        b.text,
        b.etext,
        b.types,
        b.etypes,
        b.typelinks,
        b.itablinks,
        b.hasmain,
    )
}

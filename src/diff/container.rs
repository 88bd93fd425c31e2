//! Container kinds of `goelf diff`: hardening (as `inspect` states it), program header and
//! section sizes, and dynamic relocations by type (as `reloc-cost` counts them,
//! docs/FORMATS.md §5).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::sizes::{rows, SizeChange};
use super::{HardeningFacts, SectionFact, SegmentFact};

/// One hardening fact that changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldChange {
    /// `pie`, `relro`, `nx`, `static`, `stripped`, `dwarf`.
    pub field: String,
    /// OLD's value (`true`, `false`, `none`, `partial`, `full`).
    pub old: String,
    /// NEW's value.
    pub new: String,
}

/// Dynamic relocation counts.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RelocChanges {
    /// OLD's total.
    pub old_total: u64,
    /// NEW's total.
    pub new_total: u64,
    /// Types whose count changed, largest change first.
    pub by_type: Vec<SizeChange>,
}

impl RelocChanges {
    /// Nothing changed.
    pub fn is_empty(&self) -> bool {
        self.by_type.is_empty()
    }
}

/// The hardening facts that changed.
pub fn hardening(
    old: &Option<HardeningFacts>,
    new: &Option<HardeningFacts>,
) -> Option<Vec<FieldChange>> {
    let (o, n) = (old.as_ref()?, new.as_ref()?);
    let facts = |h: &HardeningFacts| {
        [
            ("pie", h.pie.to_string()),
            ("relro", h.relro.clone()),
            ("nx", h.nx.to_string()),
            ("static", h.is_static.to_string()),
            ("stripped", h.stripped.to_string()),
            ("dwarf", h.dwarf.to_string()),
        ]
    };
    Some(
        facts(o)
            .into_iter()
            .zip(facts(n))
            .filter(|((_, a), (_, b))| a != b)
            .map(|((f, a), (_, b))| FieldChange {
                field: f.into(),
                old: a,
                new: b,
            })
            .collect(),
    )
}

/// Segments added, removed or with another `p_memsz` (addresses are not compared: a PIE
/// moves them all).
pub fn segments(
    old: &Option<Vec<SegmentFact>>,
    new: &Option<Vec<SegmentFact>>,
) -> Option<Vec<SizeChange>> {
    let m = |v: &[SegmentFact]| -> BTreeMap<String, u64> {
        v.iter().map(|s| (s.name.clone(), s.memsz)).collect()
    };
    Some(rows(&m(old.as_ref()?), &m(new.as_ref()?)))
}

/// Sections added, removed or resized.
pub fn sections(
    old: &Option<Vec<SectionFact>>,
    new: &Option<Vec<SectionFact>>,
) -> Option<Vec<SizeChange>> {
    let m = |v: &[SectionFact]| -> BTreeMap<String, u64> {
        v.iter().map(|s| (s.name.clone(), s.size)).collect()
    };
    Some(rows(&m(old.as_ref()?), &m(new.as_ref()?)))
}

/// Relocation counts by type.
pub fn relocs(
    old: &Option<BTreeMap<String, u64>>,
    new: &Option<BTreeMap<String, u64>>,
) -> Option<RelocChanges> {
    let (o, n) = (old.as_ref()?, new.as_ref()?);
    let (ot, nt) = (o.values().sum(), n.values().sum());
    Some(RelocChanges {
        old_total: ot,
        new_total: nt,
        by_type: rows(o, n),
    })
}

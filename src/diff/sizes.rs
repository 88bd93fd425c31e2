//! Size kinds of `goelf diff`: bytes per package and per module (from [`crate::size`]'s
//! function ranges and symbols, docs/FORMATS.md §14 and §15.2), and the generic
//! old/new/delta row that segments and sections use too. Rows are sorted by the size of the
//! change, largest first.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::SizeFacts;
use crate::size::Bytes;

/// One name whose size changed; `old`/`new` are `null` where the name is absent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SizeChange {
    /// Package, module, segment or section.
    pub name: String,
    /// OLD's bytes.
    pub old: Option<u64>,
    /// NEW's bytes.
    pub new: Option<u64>,
    /// `new - old` (absent counts as 0).
    pub delta: i64,
}

/// The per-package or per-module comparison.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SizeChanges {
    /// Which of `goelf size`'s parts are summed: `text` and `text_padding` (together: the
    /// function ranges), and `data`, `rodata`, `bss` only when both files have a symbol table
    /// (a stripped file has no data per package, which would otherwise read as a change).
    /// Not `pclntab`: its per-package bytes need every function's pc tables walked, and they
    /// move with the code anyway (docs/FORMATS.md §15.2).
    pub parts: Vec<String>,
    /// OLD's sum over every name.
    pub old_total: u64,
    /// NEW's sum over every name.
    pub new_total: u64,
    /// Names whose bytes changed, largest `|delta|` first (then by name).
    pub rows: Vec<SizeChange>,
}

impl SizeChanges {
    /// Nothing changed.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }
}

/// Compare two maps of sizes: the rows that differ, largest change first.
pub fn rows(old: &BTreeMap<String, u64>, new: &BTreeMap<String, u64>) -> Vec<SizeChange> {
    let mut out = Vec::new();
    for (name, &n) in new {
        let o = old.get(name).copied();
        if o != Some(n) {
            out.push(SizeChange {
                name: name.clone(),
                old: o,
                new: Some(n),
                delta: signed_delta(o.unwrap_or(0), n),
            });
        }
    }
    for (name, &o) in old {
        if !new.contains_key(name) {
            out.push(SizeChange {
                name: name.clone(),
                old: Some(o),
                new: None,
                delta: signed_delta(o, 0),
            });
        }
    }
    out.sort_by(|a, b| {
        b.delta
            .unsigned_abs()
            .cmp(&a.delta.unsigned_abs())
            .then_with(|| a.name.cmp(&b.name))
    });
    out
}

/// `new - old`, saturated to `i64`.
pub fn signed_delta(old: u64, new: u64) -> i64 {
    if new >= old {
        i64::try_from(new - old).unwrap_or(i64::MAX)
    } else {
        i64::try_from(old - new).map_or(i64::MIN, |d| -d)
    }
}

/// Bytes per package or module (`pick` chooses the map).
pub fn per(
    old: &Option<SizeFacts>,
    new: &Option<SizeFacts>,
    pick: impl Fn(&SizeFacts) -> &BTreeMap<String, Bytes>,
) -> Option<SizeChanges> {
    let (o, n) = (old.as_ref()?, new.as_ref()?);
    let with_data = o.symbols && n.symbols;
    let sum = |b: &Bytes| {
        let mut t = b.text.saturating_add(b.text_padding);
        if with_data {
            t = t
                .saturating_add(b.data)
                .saturating_add(b.rodata)
                .saturating_add(b.bss);
        }
        t
    };
    let flat = |m: &BTreeMap<String, Bytes>| -> BTreeMap<String, u64> {
        m.iter()
            .map(|(k, b)| {
                (
                    if k.is_empty() {
                        "(none)".into()
                    } else {
                        k.clone()
                    },
                    sum(b),
                )
            })
            .filter(|(_, v)| *v != 0)
            .collect()
    };
    let (om, nm) = (flat(pick(o)), flat(pick(n)));
    let mut parts: Vec<String> = ["text", "text_padding"].map(String::from).into();
    if with_data {
        parts.extend(["data", "rodata", "bss"].map(String::from));
    }
    Some(SizeChanges {
        parts,
        old_total: om.values().sum(),
        new_total: nm.values().sum(),
        rows: rows(&om, &nm),
    })
}

//! Code kinds of `goelf diff`: functions of the pclntab added and removed (by name), and the
//! package init order compared as `goelf init-order --baseline` compares it
//! ([`crate::init_order::diff_orders`]).

use serde::{Deserialize, Serialize};

use crate::init_order::diff_orders;

/// Functions added and removed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FunctionChanges {
    /// OLD's number of distinct function names.
    pub old_count: usize,
    /// NEW's.
    pub new_count: usize,
    /// How many names only NEW has.
    pub added: usize,
    /// How many only OLD has.
    pub removed: usize,
    /// Those names, sorted.
    pub added_names: Vec<String>,
    /// Those names, sorted.
    pub removed_names: Vec<String>,
}

impl FunctionChanges {
    /// Nothing changed.
    pub fn is_empty(&self) -> bool {
        self.added == 0 && self.removed == 0
    }
}

/// A package whose position changed, appeared or vanished (`null` index: absent there).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderChange {
    /// Package path.
    pub package: String,
    /// Position in OLD's order.
    pub old_index: Option<usize>,
    /// Position in NEW's order.
    pub new_index: Option<usize>,
}

/// The init order comparison.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct InitOrderChanges {
    /// Both orders are the same.
    pub same: bool,
    /// OLD's number of packages.
    pub old_count: usize,
    /// NEW's.
    pub new_count: usize,
    /// Packages outside the longest common subsequence of the two orders.
    pub moved: Vec<OrderChange>,
    /// Only in NEW.
    pub appeared: Vec<OrderChange>,
    /// Only in OLD.
    pub vanished: Vec<OrderChange>,
}

/// Compare two sorted, deduplicated lists of names.
pub fn functions(old: &Option<Vec<String>>, new: &Option<Vec<String>>) -> Option<FunctionChanges> {
    let (o, n) = (old.as_ref()?, new.as_ref()?);
    let (mut i, mut j) = (0, 0);
    let mut c = FunctionChanges {
        old_count: o.len(),
        new_count: n.len(),
        ..Default::default()
    };
    while i < o.len() || j < n.len() {
        match (o.get(i), n.get(j)) {
            (Some(a), Some(b)) if a == b => {
                i += 1;
                j += 1;
            }
            (Some(a), Some(b)) if a < b => {
                c.removed_names.push(a.clone());
                i += 1;
            }
            (Some(_), Some(b)) | (None, Some(b)) => {
                c.added_names.push(b.clone());
                j += 1;
            }
            (Some(a), None) => {
                c.removed_names.push(a.clone());
                i += 1;
            }
            (None, None) => break,
        }
    }
    c.added = c.added_names.len();
    c.removed = c.removed_names.len();
    Some(c)
}

/// Compare two init orders.
pub fn init_order(
    old: &Option<Vec<String>>,
    new: &Option<Vec<String>>,
) -> Option<InitOrderChanges> {
    let (o, n) = (old.as_ref()?, new.as_ref()?);
    let d = diff_orders(o, n);
    Some(InitOrderChanges {
        same: d.same,
        old_count: o.len(),
        new_count: n.len(),
        moved: d
            .moved
            .iter()
            .map(|(p, a, b)| OrderChange {
                package: p.clone(),
                old_index: Some(*a),
                new_index: Some(*b),
            })
            .collect(),
        appeared: d
            .appeared
            .iter()
            .map(|(p, b)| OrderChange {
                package: p.clone(),
                old_index: None,
                new_index: Some(*b),
            })
            .collect(),
        vanished: d
            .vanished
            .iter()
            .map(|(p, a)| OrderChange {
                package: p.clone(),
                old_index: Some(*a),
                new_index: None,
            })
            .collect(),
    })
}

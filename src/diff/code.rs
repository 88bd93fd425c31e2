//! Code kinds of `goelf diff`: functions of the pclntab added and removed (by name, from a
//! [`FunctionNames`] set), and the package init order compared as `goelf init-order
//! --baseline` compares it ([`crate::init_order::diff_orders`]).

use std::cmp::Ordering;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

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

/// A set of function names, each once: every name's text in one buffer, ordered by a 64-bit
/// hash of its bytes and then by the bytes, so that building it sorts integers (a radix sort),
/// not strings, and comparing two sets is one merge of the two orders with no string made. In
/// JSON it is what it always was: the names as an array of strings, sorted.
///
/// A name that is not UTF-8 is kept as [`String::from_utf8_lossy`] reads it.
#[derive(Debug, Clone, Default)]
pub struct FunctionNames {
    /// The names' bytes, each name UTF-8.
    text: Vec<u8>,
    /// `(hash, start, end)` of each name in `text`, in (hash, name) order, no name twice.
    keys: Vec<(u64, usize, usize)>,
}

/// The hash of a name's bytes that [`FunctionNames`] orders by (FxHash's mixing over 8-byte
/// words; any spread hash would do, equal hashes fall back to the bytes), and whether every
/// byte is ASCII (then the name is UTF-8 with no further look).
fn name_hash(b: &[u8]) -> (u64, bool) {
    const K: u64 = 0x517c_c1b7_2722_0a95;
    let mut h = b.len() as u64;
    let mut high = 0u64;
    let mut words = b.chunks_exact(8);
    for w in &mut words {
        let mut a = [0u8; 8];
        a.copy_from_slice(w);
        let x = u64::from_le_bytes(a);
        high |= x;
        h = (h.rotate_left(5) ^ x).wrapping_mul(K);
    }
    let rest = words.remainder();
    if !rest.is_empty() {
        let mut a = [0u8; 8];
        if let Some(d) = a.get_mut(..rest.len()) {
            d.copy_from_slice(rest);
        }
        let x = u64::from_le_bytes(a);
        high |= x;
        h = (h.rotate_left(5) ^ x).wrapping_mul(K);
    }
    (h ^ (h >> 29), high & 0x8080_8080_8080_8080 == 0)
}

/// Sort by the hash's top 32 bits: four passes of a byte-wise radix sort (least significant
/// byte first, each pass stable).
fn radix_sort_top32(v: &mut Vec<(u64, usize, usize)>) {
    let mut tmp = vec![(0u64, 0usize, 0usize); v.len()];
    for pass in 0..4u32 {
        let shift = 32 + 8 * pass;
        let digit = |k: &(u64, usize, usize)| ((k.0 >> shift) & 0xff) as usize;
        let mut at = [0usize; 256];
        for k in v.iter() {
            if let Some(c) = at.get_mut(digit(k)) {
                *c += 1;
            }
        }
        let mut sum = 0;
        for c in at.iter_mut() {
            let n = *c;
            *c = sum;
            sum += n;
        }
        for k in v.iter() {
            if let Some(p) = at.get_mut(digit(k)) {
                if let Some(slot) = tmp.get_mut(*p) {
                    *slot = *k;
                }
                *p += 1;
            }
        }
        std::mem::swap(v, &mut tmp);
    }
}

impl FunctionNames {
    /// An empty set with room for about `n` names.
    pub fn with_capacity(n: usize) -> Self {
        FunctionNames {
            text: Vec::with_capacity(n.saturating_mul(40)),
            keys: Vec::with_capacity(n),
        }
    }

    /// Add a name (call [`FunctionNames::finish`] after the last one).
    pub fn push(&mut self, name: &[u8]) {
        let start = self.text.len();
        let (mut h, ascii) = name_hash(name);
        if ascii || std::str::from_utf8(name).is_ok() {
            self.text.extend_from_slice(name);
        } else {
            let lossy = String::from_utf8_lossy(name);
            h = name_hash(lossy.as_bytes()).0;
            self.text.extend_from_slice(lossy.as_bytes());
        }
        self.keys.push((h, start, self.text.len()));
    }

    /// Order the names pushed and drop repeats.
    pub fn finish(mut self) -> Self {
        let text = self.text.as_slice();
        let name = |&(_, s, e): &(u64, usize, usize)| text.get(s..e).unwrap_or_default();
        let by_hash_name = |a: &(u64, usize, usize), b: &(u64, usize, usize)| {
            a.0.cmp(&b.0).then_with(|| name(a).cmp(name(b)))
        };
        if self.keys.len() < 512 {
            self.keys.sort_unstable_by(by_hash_name);
        } else {
            radix_sort_top32(&mut self.keys);
            // Names whose hashes share the top 32 bits (few): by the whole hash and the name.
            for run in self.keys.chunk_by_mut(|a, b| a.0 >> 32 == b.0 >> 32) {
                if run.len() > 1 {
                    run.sort_unstable_by(by_hash_name);
                }
            }
        }
        self.keys.dedup_by(|a, b| a.0 == b.0 && name(a) == name(b));
        self
    }

    /// The set of `names`.
    pub fn from_names<'n>(names: impl IntoIterator<Item = &'n [u8]>) -> Self {
        let mut s = FunctionNames::default();
        for n in names {
            s.push(n);
        }
        s.finish()
    }

    /// How many names.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// No name.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    fn name(&self, k: &(u64, usize, usize)) -> &[u8] {
        self.text.get(k.1..k.2).unwrap_or_default()
    }

    /// The names' bytes, in hash order.
    fn iter(&self) -> impl Iterator<Item = (u64, &[u8])> + '_ {
        self.keys.iter().map(move |k| (k.0, self.name(k)))
    }

    /// The names, sorted.
    pub fn sorted(&self) -> Vec<&str> {
        let mut v: Vec<&str> = self.iter().map(|(_, n)| as_str(n)).collect();
        v.sort_unstable();
        v
    }
}

/// A name of a [`FunctionNames`] as text (every one is UTF-8).
fn as_str(n: &[u8]) -> &str {
    std::str::from_utf8(n).unwrap_or_default()
}

impl PartialEq for FunctionNames {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl Eq for FunctionNames {}

impl Serialize for FunctionNames {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.sorted())
    }
}

impl<'de> Deserialize<'de> for FunctionNames {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v: Vec<String> = Vec::deserialize(d)?;
        Ok(FunctionNames::from_names(v.iter().map(|n| n.as_bytes())))
    }
}

/// Compare two sets of names: one merge of their (hash, name) orders; only the names added
/// or removed become strings, sorted, and only when `names` (else they are counted only).
pub fn functions(
    old: &Option<FunctionNames>,
    new: &Option<FunctionNames>,
    names: bool,
) -> Option<FunctionChanges> {
    let (o, n) = (old.as_ref()?, new.as_ref()?);
    let (mut added, mut removed) = (Vec::new(), Vec::new());
    let (mut n_added, mut n_removed) = (0, 0);
    fn note<'s>(v: &mut Vec<&'s str>, count: &mut usize, name: &'s [u8], keep: bool) {
        *count += 1;
        if keep {
            v.push(as_str(name));
        }
    }
    let (mut a, mut b) = (o.iter().peekable(), n.iter().peekable());
    loop {
        match (a.peek(), b.peek()) {
            (Some(x), Some(y)) => match x.0.cmp(&y.0).then_with(|| x.1.cmp(y.1)) {
                Ordering::Equal => {
                    a.next();
                    b.next();
                }
                Ordering::Less => {
                    note(&mut removed, &mut n_removed, x.1, names);
                    a.next();
                }
                Ordering::Greater => {
                    note(&mut added, &mut n_added, y.1, names);
                    b.next();
                }
            },
            (Some(x), None) => {
                note(&mut removed, &mut n_removed, x.1, names);
                a.next();
            }
            (None, Some(y)) => {
                note(&mut added, &mut n_added, y.1, names);
                b.next();
            }
            (None, None) => break,
        }
    }
    added.sort_unstable();
    removed.sort_unstable();
    Some(FunctionChanges {
        old_count: o.len(),
        new_count: n.len(),
        added: n_added,
        removed: n_removed,
        added_names: added.into_iter().map(str::to_string).collect(),
        removed_names: removed.into_iter().map(str::to_string).collect(),
    })
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

#[cfg(test)]
mod tests {
    use super::*;

    fn set(names: &[&str]) -> Option<FunctionNames> {
        Some(FunctionNames::from_names(
            names.iter().map(|n| n.as_bytes()),
        ))
    }

    #[test]
    fn sets_compare_as_sorted_lists() {
        let old = set(&["main.main", "a.F", "b.G", "a.F", "runtime.gcStart"]);
        let new = set(&["main.main", "c.H", "runtime.gcStart", "b.G0", "a.F"]);
        let c = functions(&old, &new, true).unwrap();
        assert_eq!((c.old_count, c.new_count), (4, 5));
        assert_eq!(c.added_names, ["b.G0", "c.H"]);
        assert_eq!(c.removed_names, ["b.G"]);
        let counted = functions(&old, &new, false).unwrap();
        assert_eq!((counted.added, counted.removed), (2, 1));
        assert!(counted.added_names.is_empty() && counted.removed_names.is_empty());
        assert!(functions(&old, &old, true).unwrap().is_empty());
        assert_eq!(old, set(&["runtime.gcStart", "b.G", "main.main", "a.F"]));
        assert_ne!(old, new);
    }

    #[test]
    fn large_sets_take_the_radix_sort_and_compare_the_same() {
        let old: Vec<String> = (0..5000).map(|i| format!("pkg{}.F{i}", i % 37)).collect();
        let mut new: Vec<String> = old.iter().filter(|n| !n.ends_with('7')).cloned().collect();
        new.extend((0..300).map(|i| format!("added.G{i}")));
        new.extend(old.iter().take(100).filter(|n| !n.ends_with('7')).cloned()); // repeats
        let set = |v: &[String]| Some(FunctionNames::from_names(v.iter().map(|n| n.as_bytes())));
        let (o, n) = (set(&old), set(&new));
        let c = functions(&o, &n, true).unwrap();
        assert_eq!((c.old_count, c.new_count), (5000, 5000 - 500 + 300));
        assert_eq!(c.added, 300);
        let mut want: Vec<&str> = old
            .iter()
            .filter(|n| n.ends_with('7'))
            .map(|s| s.as_str())
            .collect();
        want.sort_unstable();
        assert_eq!(c.removed_names, want);
        let keys = &o.as_ref().unwrap().keys;
        assert!(keys.windows(2).all(|w| w[0].0 <= w[1].0));
        let mut sorted = old.clone();
        sorted.sort_unstable();
        assert_eq!(o.unwrap().sorted(), sorted);
    }

    #[test]
    fn json_is_the_sorted_names() {
        let s = set(&["z.Z", "a.A", "m.M", "a.A", "é.F"]).unwrap();
        let j = serde_json::to_string(&s).unwrap();
        assert_eq!(j, r#"["a.A","m.M","z.Z","é.F"]"#);
        let back: FunctionNames = serde_json::from_str(&j).unwrap();
        assert_eq!(back, s);
        let lossy = FunctionNames::from_names([&b"x.\xff"[..]]);
        assert_eq!(lossy.sorted(), ["x.\u{fffd}"]);
    }
}

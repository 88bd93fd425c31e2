//! Build-info kinds of `goelf diff`: the Go version, the modules (added, removed, bumped,
//! replaced, checksum changed) and the build settings (added, removed, changed), all from
//! `.go.buildinfo` (docs/FORMATS.md §3).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::ModuleSet;
use crate::go::buildinfo::{BuildSetting, Module};

/// An old and a new value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionChange {
    /// OLD's.
    pub old: String,
    /// NEW's.
    pub new: String,
}

/// A module whose version changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bump {
    /// Module path.
    pub path: String,
    /// OLD's version.
    pub old: String,
    /// NEW's version.
    pub new: String,
}

/// A module whose replacement (`=>`) changed, appeared or went away.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Replaced {
    /// Module path.
    pub path: String,
    /// OLD's replacement, `null` when it had none.
    pub old: Option<Module>,
    /// NEW's replacement, `null` when it has none.
    pub new: Option<Module>,
}

/// A module with the same version and a different `h1:` checksum.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SumChanged {
    /// Module path.
    pub path: String,
    /// Its version.
    pub version: String,
    /// OLD's sum.
    pub old: String,
    /// NEW's sum.
    pub new: String,
}

/// What changed in the modules.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModuleChanges {
    /// The main package path, when it changed.
    pub path: Option<VersionChange>,
    /// The main module (path and version), when it changed.
    pub main: Option<VersionChange>,
    /// Dependencies only in NEW.
    pub added: Vec<Module>,
    /// Dependencies only in OLD.
    pub removed: Vec<Module>,
    /// Dependencies whose version changed.
    pub bumped: Vec<Bump>,
    /// Dependencies (or the main module) whose replacement changed.
    pub replaced: Vec<Replaced>,
    /// Same version, other checksum.
    pub sum_changed: Vec<SumChanged>,
}

impl ModuleChanges {
    /// Nothing changed.
    pub fn is_empty(&self) -> bool {
        self.path.is_none()
            && self.main.is_none()
            && self.added.is_empty()
            && self.removed.is_empty()
            && self.bumped.is_empty()
            && self.replaced.is_empty()
            && self.sum_changed.is_empty()
    }
}

/// A setting whose value changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SettingChange {
    /// Key.
    pub key: String,
    /// OLD's value.
    pub old: String,
    /// NEW's value.
    pub new: String,
}

/// What changed in the build settings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SettingChanges {
    /// Only in NEW.
    pub added: Vec<BuildSetting>,
    /// Only in OLD.
    pub removed: Vec<BuildSetting>,
    /// In both, another value.
    pub changed: Vec<SettingChange>,
}

impl SettingChanges {
    /// Nothing changed.
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty() && self.changed.is_empty()
    }
}

/// The Go version change, `None` when the same.
pub fn go_version(old: &Option<String>, new: &Option<String>) -> Option<VersionChange> {
    match (old, new) {
        (Some(o), Some(n)) if o != n => Some(VersionChange {
            old: o.clone(),
            new: n.clone(),
        }),
        _ => None,
    }
}

fn module_text(m: &Module) -> String {
    if m.version.is_empty() {
        m.path.clone()
    } else {
        format!("{}@{}", m.path, m.version)
    }
}

/// The module changes (empty when the same).
pub fn modules(old: &Option<ModuleSet>, new: &Option<ModuleSet>) -> Option<ModuleChanges> {
    let (o, n) = (old.as_ref()?, new.as_ref()?);
    let mut c = ModuleChanges::default();
    if o.path != n.path {
        c.path = Some(VersionChange {
            old: o.path.clone(),
            new: n.path.clone(),
        });
    }
    if o.main.path != n.main.path || o.main.version != n.main.version {
        c.main = Some(VersionChange {
            old: module_text(&o.main),
            new: module_text(&n.main),
        });
    }
    if o.main.path == n.main.path && o.main.replace != n.main.replace {
        c.replaced.push(Replaced {
            path: n.main.path.clone(),
            old: o.main.replace.as_deref().cloned(),
            new: n.main.replace.as_deref().cloned(),
        });
    }
    let by_path = |deps: &[Module]| -> BTreeMap<String, Module> {
        deps.iter().map(|d| (d.path.clone(), d.clone())).collect()
    };
    let (om, nm) = (by_path(&o.deps), by_path(&n.deps));
    for (path, nd) in &nm {
        let Some(od) = om.get(path) else {
            c.added.push(nd.clone());
            continue;
        };
        if od.version != nd.version {
            c.bumped.push(Bump {
                path: path.clone(),
                old: od.version.clone(),
                new: nd.version.clone(),
            });
        } else if od.sum != nd.sum {
            c.sum_changed.push(SumChanged {
                path: path.clone(),
                version: nd.version.clone(),
                old: od.sum.clone(),
                new: nd.sum.clone(),
            });
        }
        if od.replace != nd.replace {
            c.replaced.push(Replaced {
                path: path.clone(),
                old: od.replace.as_deref().cloned(),
                new: nd.replace.as_deref().cloned(),
            });
        }
    }
    c.removed = om
        .iter()
        .filter(|(p, _)| !nm.contains_key(*p))
        .map(|(_, m)| m.clone())
        .collect();
    Some(c)
}

/// The build setting changes (empty when the same). A key stored twice is compared by its
/// last value, as `debug.BuildInfo` users read it.
pub fn settings(
    old: &Option<Vec<BuildSetting>>,
    new: &Option<Vec<BuildSetting>>,
) -> Option<SettingChanges> {
    let (o, n) = (old.as_ref()?, new.as_ref()?);
    let map = |v: &[BuildSetting]| -> BTreeMap<String, String> {
        v.iter().map(|s| (s.key.clone(), s.value.clone())).collect()
    };
    let (om, nm) = (map(o), map(n));
    let mut c = SettingChanges::default();
    for (k, nv) in &nm {
        match om.get(k) {
            None => c.added.push(BuildSetting {
                key: k.clone(),
                value: nv.clone(),
            }),
            Some(ov) if ov != nv => c.changed.push(SettingChange {
                key: k.clone(),
                old: ov.clone(),
                new: nv.clone(),
            }),
            Some(_) => {}
        }
    }
    for (k, ov) in &om {
        if !nm.contains_key(k) {
            c.removed.push(BuildSetting {
                key: k.clone(),
                value: ov.clone(),
            });
        }
    }
    Some(c)
}

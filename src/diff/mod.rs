//! `goelf diff OLD NEW`: what changed between two builds, kind by kind (docs/FORMATS.md §15).
//!
//! Each side is a [`Snapshot`]: made from a binary ([`snapshot_bytes`]) or read from a saved
//! `goelf inspect --json` / `goelf diff --json` document ([`snapshot_from_json`]). [`diff`]
//! compares every [`Kind`] both sides hold and lists the others as not compared; the report's
//! `snapshot` is NEW's, so a saved diff can be the OLD of the next one.
//!
//! One module per group of kinds: [`build`] (Go version, modules, build settings),
//! [`container`] (hardening, segments, sections, dynamic relocations), [`sizes`] (bytes per
//! package and module), [`code`] (functions, init order).

pub mod build;
pub mod code;
pub mod container;
pub mod sizes;
mod snapshot;

use serde::{Deserialize, Serialize};

pub use snapshot::{
    snapshot_bytes, snapshot_from_json, HardeningFacts, ModuleSet, SavedKind, SectionFact,
    SegmentFact, SizeFacts, Snapshot,
};

/// What `diff` compares, in the order it reports them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// The Go toolchain version.
    GoVersion,
    /// Main module and dependencies: added, removed, bumped, replaced.
    Modules,
    /// Build settings (`-ldflags`, `CGO_ENABLED`, `-tags`, `vcs.*`, …).
    BuildSettings,
    /// PIE, RELRO, NX, static, stripped, DWARF.
    Hardening,
    /// Program header sizes.
    Segments,
    /// Section sizes.
    Sections,
    /// Bytes per package.
    PackageSizes,
    /// Bytes per module.
    ModuleSizes,
    /// Functions added and removed.
    Functions,
    /// Package init order.
    InitOrder,
    /// Dynamic relocations by type.
    DynamicRelocations,
}

impl Kind {
    /// Every kind, in report order.
    pub const ALL: [Kind; 11] = [
        Kind::GoVersion,
        Kind::Modules,
        Kind::BuildSettings,
        Kind::Hardening,
        Kind::Segments,
        Kind::Sections,
        Kind::PackageSizes,
        Kind::ModuleSizes,
        Kind::Functions,
        Kind::InitOrder,
        Kind::DynamicRelocations,
    ];

    /// The name in JSON and on the command line (`go_version`, …).
    pub fn name(self) -> &'static str {
        match self {
            Kind::GoVersion => "go_version",
            Kind::Modules => "modules",
            Kind::BuildSettings => "build_settings",
            Kind::Hardening => "hardening",
            Kind::Segments => "segments",
            Kind::Sections => "sections",
            Kind::PackageSizes => "package_sizes",
            Kind::ModuleSizes => "module_sizes",
            Kind::Functions => "functions",
            Kind::InitOrder => "init_order",
            Kind::DynamicRelocations => "dynamic_relocations",
        }
    }

    /// The kind named `s` (as [`Kind::name`] spells it; `-` may stand for `_`).
    pub fn parse(s: &str) -> Option<Kind> {
        let s = s.replace('-', "_");
        Kind::ALL.into_iter().find(|k| k.name() == s)
    }
}

/// A kind that could not be compared, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotCompared {
    /// The kind.
    pub kind: Kind,
    /// Why: which side does not hold it.
    pub reason: String,
}

/// Every change found, one member per kind; `None`: the kind was not compared.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Changes {
    /// The Go version, when it changed.
    pub go_version: Option<build::VersionChange>,
    /// Module changes.
    pub modules: Option<build::ModuleChanges>,
    /// Build setting changes.
    pub build_settings: Option<build::SettingChanges>,
    /// Hardening facts that changed.
    pub hardening: Option<Vec<container::FieldChange>>,
    /// Segments added, removed or resized (`p_memsz`).
    pub segments: Option<Vec<sizes::SizeChange>>,
    /// Sections added, removed or resized (`sh_size`).
    pub sections: Option<Vec<sizes::SizeChange>>,
    /// Bytes per package, largest movers first.
    pub package_sizes: Option<sizes::SizeChanges>,
    /// Bytes per module, largest movers first.
    pub module_sizes: Option<sizes::SizeChanges>,
    /// Functions added and removed.
    pub functions: Option<code::FunctionChanges>,
    /// Init order changes (as `init-order --baseline`).
    pub init_order: Option<code::InitOrderChanges>,
    /// Dynamic relocation counts by type.
    pub dynamic_relocations: Option<container::RelocChanges>,
}

impl Changes {
    /// Whether `kind` was compared and changed.
    pub fn changed(&self, kind: Kind) -> bool {
        match kind {
            Kind::GoVersion => self.go_version.is_some(),
            Kind::Modules => self.modules.as_ref().is_some_and(|m| !m.is_empty()),
            Kind::BuildSettings => self.build_settings.as_ref().is_some_and(|m| !m.is_empty()),
            Kind::Hardening => self.hardening.as_ref().is_some_and(|m| !m.is_empty()),
            Kind::Segments => self.segments.as_ref().is_some_and(|m| !m.is_empty()),
            Kind::Sections => self.sections.as_ref().is_some_and(|m| !m.is_empty()),
            Kind::PackageSizes => self.package_sizes.as_ref().is_some_and(|m| !m.is_empty()),
            Kind::ModuleSizes => self.module_sizes.as_ref().is_some_and(|m| !m.is_empty()),
            Kind::Functions => self.functions.as_ref().is_some_and(|m| !m.is_empty()),
            Kind::InitOrder => self.init_order.as_ref().is_some_and(|m| !m.same),
            Kind::DynamicRelocations => self
                .dynamic_relocations
                .as_ref()
                .is_some_and(|m| !m.is_empty()),
        }
    }
}

/// The `goelf diff` report (one entry of the JSON envelope's `files`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DiffFile {
    /// OLD as given.
    pub old: String,
    /// NEW as given.
    pub new: String,
    /// Where OLD came from: `binary`, `inspect` (a saved `inspect --json`), `diff`.
    pub old_source: String,
    /// Something changed in a kind that is not ignored.
    pub changed: bool,
    /// The kinds that changed (ignored ones included), in report order.
    pub changed_kinds: Vec<Kind>,
    /// The kinds left out of `changed` (`--ignore`).
    pub ignored: Vec<Kind>,
    /// The kinds compared.
    pub compared: Vec<Kind>,
    /// The kinds that could not be compared, with the reason.
    pub not_compared: Vec<NotCompared>,
    /// What changed, kind by kind.
    pub changes: Changes,
    /// NEW's snapshot: what a later `goelf diff` reads when this document is its OLD.
    pub snapshot: Snapshot,
}

/// Options of [`diff`].
#[derive(Debug, Clone, Default)]
pub struct DiffOptions {
    /// Kinds that do not count for [`DiffFile::changed`] (still compared and reported).
    pub ignore: Vec<Kind>,
    /// Where OLD came from, for the report and the reasons of kinds not compared
    /// (`None`: a binary).
    pub old_saved: Option<SavedKind>,
    /// Leave [`code::FunctionChanges`]' `added_names` and `removed_names` empty (the counts
    /// are made all the same): for a report that does not show the names, which saves making
    /// and sorting a string per name on two unrelated builds.
    pub skip_function_names: bool,
}

/// Compare two snapshots.
pub fn diff(
    old_path: &str,
    old: &Snapshot,
    new_path: &str,
    new: Snapshot,
    opts: &DiffOptions,
) -> DiffFile {
    let mut compared = Vec::new();
    let mut not_compared = Vec::new();
    let mut changes = Changes::default();
    for kind in Kind::ALL {
        let (o, n) = (old.has(kind), new.has(kind));
        if !(o && n) {
            let side = match (o, n) {
                (false, false) => "neither file has it".to_string(),
                (false, true) => match opts.old_saved {
                    Some(SavedKind::Inspect) => "not in a `goelf inspect` document (OLD)".into(),
                    Some(SavedKind::Diff) => "not in the saved diff's snapshot (OLD)".into(),
                    None => "OLD does not have it".into(),
                },
                _ => "NEW does not have it".into(),
            };
            not_compared.push(NotCompared { kind, reason: side });
            continue;
        }
        compared.push(kind);
        match kind {
            Kind::GoVersion => {
                changes.go_version = build::go_version(&old.go_version, &new.go_version)
            }
            Kind::Modules => changes.modules = build::modules(&old.modules, &new.modules),
            Kind::BuildSettings => {
                changes.build_settings = build::settings(&old.build_settings, &new.build_settings)
            }
            Kind::Hardening => {
                changes.hardening = container::hardening(&old.hardening, &new.hardening)
            }
            Kind::Segments => changes.segments = container::segments(&old.segments, &new.segments),
            Kind::Sections => changes.sections = container::sections(&old.sections, &new.sections),
            Kind::PackageSizes => {
                changes.package_sizes = sizes::per(&old.sizes, &new.sizes, |s| &s.packages)
            }
            Kind::ModuleSizes => {
                changes.module_sizes = sizes::per(&old.sizes, &new.sizes, |s| &s.modules)
            }
            Kind::Functions => {
                changes.functions =
                    code::functions(&old.functions, &new.functions, !opts.skip_function_names)
            }
            Kind::InitOrder => {
                changes.init_order = code::init_order(&old.init_order, &new.init_order)
            }
            Kind::DynamicRelocations => {
                changes.dynamic_relocations =
                    container::relocs(&old.dynamic_relocations, &new.dynamic_relocations)
            }
        }
    }
    let changed_kinds: Vec<Kind> = compared
        .iter()
        .copied()
        .filter(|&k| changes.changed(k))
        .collect();
    let changed = changed_kinds.iter().any(|k| !opts.ignore.contains(k));
    let mut ignored = opts.ignore.clone();
    ignored.sort();
    ignored.dedup();
    DiffFile {
        old: old_path.into(),
        new: new_path.into(),
        old_source: match opts.old_saved {
            None => "binary",
            Some(SavedKind::Inspect) => "inspect",
            Some(SavedKind::Diff) => "diff",
        }
        .into(),
        changed,
        changed_kinds,
        ignored,
        compared,
        not_compared,
        changes,
        snapshot: new,
    }
}

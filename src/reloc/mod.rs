//! What dynamic relocations cost at load time: the cost model over the relocations the ELF
//! layer decodes ([`crate::elf::relocations`]), the relocation type names, and the loader's
//! own measurement; the same report for PE and Mach-O ([`other`]).

pub mod cost;
pub mod measure;
pub(crate) mod names;
pub mod other;

pub use cost::{CostModel, RelocCostError, RelocCostFile, RelocCostReport};

/// The `reloc-cost` report of several files: each analysed ([`cost::analyze_bytes`]), the
/// differences from the first that could be read filled in ([`cost::report`]). Measuring
/// ([`measure::measure`]) is a separate, opt-in step, since it runs the files.
///
/// ```no_run
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let data = std::fs::read("testdata/example/hello")?;
/// let report = goelf::reloc_cost([("hello", data.as_slice())], &Default::default());
/// let hello = &report.envelope.files[0];
/// println!("{} relocations, ~{} µs", hello.dynamic_relocations.total, hello.estimated_load_us);
/// println!("{}", serde_json::to_string_pretty(&report)?);
/// # Ok(())
/// # }
/// ```
pub fn reloc_cost<'d, P: AsRef<str>>(
    files: impl IntoIterator<Item = (P, &'d [u8])>,
    model: &CostModel,
) -> RelocCostReport {
    cost::report(
        files
            .into_iter()
            .map(|(path, data)| cost::analyze_bytes(path.as_ref(), data, model))
            .collect(),
    )
}

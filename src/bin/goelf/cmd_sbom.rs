//! `goelf sbom FILE... --format cyclonedx|spdx`: a software bill of materials from the build
//! info. One file: the document itself; several: a JSON array of documents, in argument order.

use std::io::Write;
use std::path::PathBuf;

use goelf::go::GoBinary;
use goelf::image::Image;
use goelf::sbom;

use crate::common;
use crate::runner;

/// Arguments of `goelf sbom`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Components: the main module, every dependency (version, pkg:golang purl, \
                        the h1: sum as a SHA-256 hash), replaced modules as their replacement \
                        with the original in a property or comment, the standard library and \
                        the Go toolchain; build settings as properties. A (devel) main version \
                        becomes the pseudo-version of vcs.revision and vcs.time when the build \
                        info has them. The document is the same for the same binary (no \
                        timestamp unless --timestamp; SPDX requires one and takes \
                        SOURCE_DATE_EPOCH, else the current time)."
)]
pub struct Args {
    /// Binaries to describe.
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
    /// Document format.
    #[arg(long, value_enum, default_value_t = Format::Cyclonedx)]
    format: Format,
    /// Put the current time (or SOURCE_DATE_EPOCH) into a CycloneDX document.
    #[arg(long)]
    timestamp: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Format {
    Cyclonedx,
    Spdx,
}

struct Sbom {
    format: Format,
    time: String,
    timestamp: bool,
}

impl runner::Analyse for Sbom {
    type Report<'a> = serde_json::Value;

    fn analyse(&self, file: runner::Opened<'_, '_>) -> anyhow::Result<serde_json::Value> {
        let data = file.data();
        let go = GoBinary::new(Image::parse(data)?);
        let bi = go
            .buildinfo()
            .map_err(|e| anyhow::anyhow!("no build info: {e}"))?;
        Ok(match self.format {
            Format::Cyclonedx => serde_json::to_value(sbom::cyclonedx(
                bi,
                data,
                self.timestamp.then(|| self.time.clone()),
            ))?,
            Format::Spdx => serde_json::to_value(sbom::spdx(bi, data, self.time.clone()))?,
        })
    }
}

pub fn run(args: Args) -> anyhow::Result<u8> {
    let secs = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.trim().parse::<u64>().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs())
        });
    let cmd = Sbom {
        format: args.format,
        time: sbom::rfc3339(secs),
        timestamp: args.timestamp,
    };
    let many = args.files.len() > 1;
    let mut out = common::stdout();
    let files = runner::analyse_all(&cmd, &args.files, |f| f.result);
    let docs: Vec<&serde_json::Value> = files.iter().filter_map(|r| r.as_ref().ok()).collect();
    if many {
        common::write_json(&mut out, &docs)?;
    } else if let Some(d) = docs.first() {
        common::write_json(&mut out, d)?;
    }
    let failed = files.iter().any(|r| r.is_err());
    out.flush()?;
    let _ = sbom::SbomFormat::Spdx;
    Ok(runner::exit_status(failed))
}

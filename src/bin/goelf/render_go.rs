//! Human rendering of the Go section of `goelf inspect`.

use goelf::go::GoReport;

/// Append the Go section.
pub fn render(out: &mut String, go: &GoReport) {
    out.push_str(&format!(
        "\nGo: version {}\n",
        go.version.as_deref().unwrap_or("unknown")
    ));
}

/// The build information exactly as `go version -m` prints it, if the binary has it.
pub fn version_m(_go: &GoReport) -> Option<String> {
    None
}

//! Go metadata: pclntab, `.go.buildinfo`, `moduledata`, the Go version and init tasks.
//!
//! Each structure has its own module named after the Go runtime structure it decodes.
//! [`analyze`] ties them together for `goelf inspect`.

pub mod inline;
pub mod layout;
pub mod moduledata;
pub mod pclntab;
pub mod version;

use serde::{Deserialize, Serialize};

use crate::error::Problem;
use crate::image::Image;

/// What `goelf inspect` reports about the Go inside a binary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GoReport {
    /// The Go version (e.g. `go1.22.10`), or an era such as `go1.20+` when only that is known.
    pub version: Option<String>,
}

/// Decode the Go metadata of an image; `None` when the file holds no Go.
pub fn analyze(_image: &Image<'_>, _problems: &mut Vec<Problem>) -> Option<GoReport> {
    None
}

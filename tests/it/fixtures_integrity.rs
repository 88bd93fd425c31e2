//! Every committed fixture decompresses to the binary its meta.json names (by SHA-256).

use crate::common;

use sha2::Digest;

#[test]
fn fixtures_match_their_checksums() {
    for f in common::fixtures() {
        let data = f.bytes();
        let sum = sha2::Sha256::digest(&data);
        let hex: String = sum.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(hex, f.meta_str("sha256"), "fixture {} checksum", f.name);
    }
}

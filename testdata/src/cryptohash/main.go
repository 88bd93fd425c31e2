// Command cryptohash hashes its name with crypto/sha256, so that a build links Go's crypto:
// the standard module, the FIPS 140-3 module (GOFIPS140) or BoringCrypto
// (GOEXPERIMENT=boringcrypto), which goelf inspect tells apart (issue #12).
package main

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
)

func main() {
	sum := sha256.Sum256([]byte("cryptohash"))
	os.Stdout.WriteString(hex.EncodeToString(sum[:8]) + "\n")
}

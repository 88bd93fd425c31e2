// Package dep v1.0.0: the dependency of the pairs program before the bump.
package dep

var prefix = []byte("dep v1.0.0")

//go:noinline
func Hello() string { return string(prefix) }

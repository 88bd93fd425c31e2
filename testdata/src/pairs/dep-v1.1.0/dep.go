// Package dep v1.1.0: the dependency of the pairs program after the bump. It adds a
// function (Extra) and an init.
package dep

var prefix = []byte("dep v1.1.0")

var suffix string

func init() { suffix = string(prefix[len(prefix)-1:]) + "!" }

//go:noinline
func Extra() string { return suffix }

//go:noinline
func Hello() string { return string(prefix) + Extra() }

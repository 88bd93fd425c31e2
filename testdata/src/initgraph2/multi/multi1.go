// Package multi has init functions in two files and a variable
// initialised by a function call.
package multi

import "example.com/initgraph/trace"

// Computed is initialised by a function call before any init function runs.
var Computed = compute()

//go:noinline
func compute() int {
	trace.Mark("multi.var")
	return 42
}

func init() {
	trace.Mark("multi.init1")
}

func init() {
	trace.Mark("multi.init2")
}

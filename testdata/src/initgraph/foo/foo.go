// Package foo: its inittask symbol "example.com/initgraph/foo..inittask"
// sorts after "example.com/initgraph/foo-x..inittask" ('-' < '.').
package foo

import "example.com/initgraph/trace"

func init() {
	trace.Mark("foo")
}

// Marker lets main refer to the package.
const Marker = 1

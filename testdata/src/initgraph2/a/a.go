// Package a is the top of the diamond a -> {b, c} -> d.
package a

import (
	"example.com/initgraph/b"
	"example.com/initgraph/c"
	"example.com/initgraph/trace"
)

var Value int

func init() {
	Value = b.Value + c.Value
	trace.Mark("a")
}

// Package c is the right side of the diamond.
package c

import (
	"example.com/initgraph/d"
	"example.com/initgraph/trace"
)

var Value int

func init() {
	Value = d.Value + 2
	trace.Mark("c")
}

// Package b is the left side of the diamond.
package b

import (
	"example.com/initgraph/d"
	"example.com/initgraph/trace"
)

var Value int

func init() {
	Value = d.Value + 1
	trace.Mark("b")
}

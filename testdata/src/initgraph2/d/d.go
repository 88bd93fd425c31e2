// Package d is the bottom of the diamond a -> {b, c} -> d.
// initgraph2 only: d also imports zz, which moves zz (and d, b, c, a) in the init order.
package d

import (
	"example.com/initgraph/trace"
	"example.com/initgraph/zz"
)

var Value int

func init() {
	Value = 4 + zz.Value - 26
	trace.Mark("d")
}

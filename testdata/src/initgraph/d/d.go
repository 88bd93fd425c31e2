// Package d is the bottom of the diamond a -> {b, c} -> d.
package d

import "example.com/initgraph/trace"

var Value int

func init() {
	Value = 4
	trace.Mark("d")
}

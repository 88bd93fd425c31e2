// Package leaf has init work and is imported by noinit.
package leaf

import "example.com/initgraph/trace"

var Value int

func init() {
	Value = 7
	trace.Mark("leaf")
}

// Package zz sorts after aa by import path but must be initialised before it.
package zz

import "example.com/initgraph/trace"

var Value int

func init() {
	Value = 26
	trace.Mark("zz")
}

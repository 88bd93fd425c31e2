// Package foox lives in directory foo-x (import path example.com/initgraph/foo-x).
package foox

import "example.com/initgraph/trace"

func init() {
	trace.Mark("foo-x")
}

// Marker lets main refer to the package.
const Marker = 2

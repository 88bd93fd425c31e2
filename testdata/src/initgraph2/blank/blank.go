// Package blank is only imported for its side effect (import _).
package blank

import "example.com/initgraph/trace"

func init() {
	trace.Mark("blank")
}

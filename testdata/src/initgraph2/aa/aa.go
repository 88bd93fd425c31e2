// Package aa imports zz: import-path order (aa < zz) differs from dependency order.
package aa

import (
	"example.com/initgraph/trace"
	"example.com/initgraph/zz"
)

var Value int

func init() {
	Value = zz.Value * 2
	trace.Mark("aa")
}

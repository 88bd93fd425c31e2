package multi

import "example.com/initgraph/trace"

func init() {
	trace.Mark("multi.init3")
}

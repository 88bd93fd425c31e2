// Command initgraph is a fixture for package-initialisation-order tests.
// It prints the order in which its own packages were initialised.
package main

import (
	"os"

	"example.com/initgraph/a"
	"example.com/initgraph/aa"
	_ "example.com/initgraph/blank"
	"example.com/initgraph/foo"
	foox "example.com/initgraph/foo-x"
	"example.com/initgraph/multi"
	"example.com/initgraph/noinit"
	"example.com/initgraph/trace"
)

var _ = foo.Marker
var _ = foox.Marker

// Max is generic; it is instantiated with int and string below.
//
//go:noinline
func Max[T int | string](x, y T) T {
	if x > y {
		return x
	}
	return y
}

// add is small enough to be inlined into main.
func add(x, y int) int { return x + y }

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	neg := n < 0
	if neg {
		n = -n
	}
	var buf [20]byte
	i := len(buf)
	for n > 0 {
		i--
		buf[i] = byte('0' + n%10)
		n /= 10
	}
	if neg {
		i--
		buf[i] = '-'
	}
	return string(buf[i:])
}

func init() {
	trace.Mark("main")
}

func main() {
	out := "initgraph:"
	for _, s := range trace.Order() {
		out += " " + s
	}
	sum := add(a.Value, aa.Value) + add(multi.Computed, noinit.Get())
	out += " sum=" + itoa(sum) + " max=" + itoa(Max(3, sum)) + " " + Max("go", "elf") + "\n"
	os.Stdout.WriteString(out)
}

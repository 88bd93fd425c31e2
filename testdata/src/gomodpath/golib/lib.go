// Package lib lives in a module whose path begins with "go." (like go.uber.org/zap): its
// symbols are go.example.org/lib.*, which a rule that drops every "go." name as
// compiler-generated gets wrong.
package lib

import "os"

// T is comparable and used as a map key, so the compiler generates its equality and hash
// functions (type:.eq.go.example.org/lib.T / type..eq.go.example.org/lib.T before Go 1.20).
type T struct {
	Name string
	V    interface{}
}

var seen = map[T]int{}

// Names collects what init ran, for main to print.
var Names []string

// hook keeps init's closure a function of its own (go.example.org/lib.init.0.func1).
var hook func(string)

func init() {
	hook = func(s string) { Names = append(Names, s) }
	hook("lib")
	seen[T{Name: os.Args[0], V: len(os.Args)}]++
}

//go:noinline
func (t *T) M() string { return t.Name }

// Method returns a method value (go.example.org/lib.(*T).M-fm).
//
//go:noinline
func Method(t *T) func() string { return t.M }

// Map is generic (go.example.org/lib.Map[...]).
//
//go:noinline
func Map[E any](s []E, f func(E) E) []E {
	out := make([]E, 0, len(s))
	for _, v := range s {
		out = append(out, f(v))
	}
	return out
}

// Count is in the package's code, for main to call.
//
//go:noinline
func Count() int { return len(seen) }

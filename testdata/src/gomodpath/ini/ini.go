// Package ini lives in a module whose last path element holds a dot (like gopkg.in/ini.v1):
// the linker escapes that dot, so its symbols are example.org/ini%2ev1.*.
package ini

import "os"

// Key is comparable and used as a map key (generated equality and hash functions).
type Key struct {
	Section, Name string
	Any           interface{}
}

var keys = map[Key]bool{}

// Loaded says what init ran, for main to print.
var Loaded []string

// note keeps init's closure a function of its own (example.org/ini%2ev1.init.0.func1).
var note func(string)

func init() {
	note = func(s string) { Loaded = append(Loaded, s) }
	note("ini")
	keys[Key{Section: "s", Name: os.Args[0], Any: len(os.Args)}] = true
}

//go:noinline
func (k *Key) String() string { return k.Section + "." + k.Name }

// Bound returns a method value (example.org/ini%2ev1.(*Key).String-fm).
//
//go:noinline
func Bound(k *Key) func() string { return k.String }

// First is generic (example.org/ini%2ev1.First[...]).
//
//go:noinline
func First[E any](s []E) (E, bool) {
	var zero E
	if len(s) == 0 {
		return zero, false
	}
	return s[0], true
}

// Len is in the package's code, for main to call.
//
//go:noinline
func Len() int { return len(keys) }

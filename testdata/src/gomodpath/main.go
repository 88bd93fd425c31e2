// Command gomodpath imports a module whose path begins with "go." (go.example.org/lib) and
// one whose last path element holds a dot (example.org/ini.v1), each with an init function,
// closures, a method value and a generic function: goelf must attribute all of them to
// their import paths (issue #12).
package main

import (
	"os"
	"strconv"

	ini "example.org/ini.v1"
	"go.example.org/lib"
)

func main() {
	t := &lib.T{Name: "t"}
	k := &ini.Key{Section: "s", Name: "k"}
	xs := lib.Map([]int{1, 2, 3}, func(v int) int { return v * 2 })
	f, _ := ini.First([]string{"a"})
	out := lib.Method(t)() + " " + ini.Bound(k)() + " " + f + " " +
		strconv.Itoa(len(xs)+lib.Count()+ini.Len()) + " " +
		lib.Names[0] + " " + ini.Loaded[0] + "\n"
	os.Stdout.WriteString(out)
}

// Command pairs is the program of the diff fixture pairs (issue #13): each pair is this
// program built twice with one change (see testdata/README.md, "Fixture pairs").
package main

import (
	"os"

	"example.org/dep"
)

var greeting string

func init() { greeting = "pairs: " + dep.Hello() + "\n" }

func main() { os.Stdout.WriteString(greeting) }

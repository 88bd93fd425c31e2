// tiny: the smallest useful Go program, for container fixtures (PE, Mach-O).
package main

import "os"

var greeting = "hello from tiny\n"

func init() { greeting = "tiny: " + greeting }

func main() { os.Stdout.WriteString(greeting) }

// tinydll: a c-shared Windows DLL with two exported functions (cgo, mingw-w64).
package main

import "C"

//export TinyAdd
func TinyAdd(a, b C.int) C.int { return a + b }

//export TinyVersion
func TinyVersion() C.int { return 1 }

func main() {}

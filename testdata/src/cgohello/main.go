// Command cgohello is a cgo fixture: the C preamble has an ELF constructor
// (it lands in .init_array and runs before any Go package init) and a C
// function that Go calls. Build it with -ldflags=-linkmode=external.
package main

/*
#include <stdio.h>

static int ctor_ran = 0;

__attribute__((constructor)) static void goelf_ctor(void) {
	ctor_ran = 42;
}

static int c_add(int a, int b) {
	return a + b + ctor_ran;
}
*/
import "C"

import "os"

var fromInit int

func init() {
	fromInit = int(C.c_add(1, 2))
}

func main() {
	if fromInit != 45 {
		os.Stdout.WriteString("cgohello: constructor did not run first\n")
		os.Exit(1)
	}
	os.Stdout.WriteString("cgohello: ctor ran before Go init, c_add=45\n")
}

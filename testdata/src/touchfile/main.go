// touchfile: the first Go statement of the program (the initializer of main's first
// package-level variable, which runs before any init function of package main) creates the
// file named by $GOELF_TOUCH. goelf's tests start it with `reloc-cost --measure`, which must
// stop it at its entry point: the file must not appear. Without $GOELF_TOUCH it does nothing.
// Only package syscall, to keep the binary small.
package main

import "syscall"

var touched = touch()

func touch() bool {
	path, ok := syscall.Getenv("GOELF_TOUCH")
	if !ok || path == "" {
		return false
	}
	fd, err := syscall.Open(path, syscall.O_WRONLY|syscall.O_CREAT|syscall.O_TRUNC, 0o644)
	if err != nil {
		return false
	}
	syscall.Write(fd, []byte("touched\n"))
	syscall.Close(fd)
	return true
}

func main() {
	if touched {
		syscall.Write(1, []byte("touched\n"))
	}
}

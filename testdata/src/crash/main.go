// crash: a program that crashes on purpose, for `goelf symbolize` (issue #11 item 8).
//
//	./bin              panics in a goroutine, through two inlined calls (leaf, middle)
//	CRASH=segv ./bin   dereferences a nil pointer (SIGSEGV, turned into a panic)
//	CRASH=deadlock     blocks every goroutine ("fatal error: all goroutines are asleep")
//	CRASH=spin         spins until killed (SIGQUIT prints every goroutine; with
//	                   GOTRACEBACK=crash also the registers)
//
// Before crashing it writes its executable's lines of /proc/self/maps to stderr, prefixed
// "maps: ", so that the load address of a PIE build is known from the same run. Only the
// runtime and syscall are used, to keep the binary small.
package main

import "syscall"

type counter struct{ n int }

//go:noinline
func (c *counter) get() int { return c.n + 1 }

func leaf(x int) int {
	if x > 2 {
		panic("crash: x is too big")
	}
	return x + 1
}

func middle(x int) int { return leaf(x) * 2 }

//go:noinline
func outer(x int) int { return middle(x) + 1 }

var spins int

//go:noinline
func spin() {
	for {
		spins++
	}
}

//go:noinline
func segv(c *counter) int { return c.get() * 3 }

// printMaps writes the lines of /proc/self/maps that name the executable.
func printMaps() {
	exe := make([]byte, 4096)
	n, err := syscall.Readlink("/proc/self/exe", exe)
	if err != nil {
		return
	}
	exe = exe[:n]
	fd, err := syscall.Open("/proc/self/maps", syscall.O_RDONLY, 0)
	if err != nil {
		return
	}
	var all []byte
	buf := make([]byte, 65536)
	for {
		m, err := syscall.Read(fd, buf)
		if m <= 0 || err != nil {
			break
		}
		all = append(all, buf[:m]...)
	}
	syscall.Close(fd)
	for len(all) > 0 {
		end := 0
		for end < len(all) && all[end] != '\n' {
			end++
		}
		line := all[:end]
		if len(line) >= len(exe) && string(line[len(line)-len(exe):]) == string(exe) {
			syscall.Write(2, []byte("maps: "+string(line)+"\n"))
		}
		if end == len(all) {
			break
		}
		all = all[end+1:]
	}
}

func main() {
	printMaps()
	done := make(chan int)
	mode, _ := syscall.Getenv("CRASH")
	switch mode {
	case "segv":
		go func() { done <- segv(nil) }()
	case "deadlock":
	case "spin":
		go spin()
	default:
		go func() { done <- outer(len(mode) + 3) }()
	}
	println(<-done)
}

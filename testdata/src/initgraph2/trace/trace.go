// Package trace records the order in which package initialisers ran.
// It has no init work of its own (a nil slice needs no initialiser).
package trace

var order []string

// Mark appends name to the init log.
func Mark(name string) { order = append(order, name) }

// Order returns the init log.
func Order() []string { return order }

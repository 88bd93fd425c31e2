// Package noinit has no init work of its own but imports leaf, which has.
package noinit

import "example.com/initgraph/leaf"

// Get returns leaf's value.
func Get() int { return leaf.Value }

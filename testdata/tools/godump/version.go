package main

import (
	"runtime"
	"runtime/debug"
)

type debugModule = debug.Module

func runtimeVersion() string { return runtime.Version() }

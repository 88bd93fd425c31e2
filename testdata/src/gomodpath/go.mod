module example.com/gomodpath

go 1.19

require (
	example.org/ini.v1 v0.0.0
	go.example.org/lib v0.0.0
)

replace (
	example.org/ini.v1 => ./ini
	go.example.org/lib => ./golib
)

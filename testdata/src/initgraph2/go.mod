module example.com/initgraph

go 1.19

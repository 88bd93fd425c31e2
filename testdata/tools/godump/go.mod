module example.com/goelf/godump

go 1.19

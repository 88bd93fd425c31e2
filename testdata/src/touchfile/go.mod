module example.com/touchfile

go 1.19

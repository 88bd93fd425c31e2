module example.com/tinydll

go 1.19

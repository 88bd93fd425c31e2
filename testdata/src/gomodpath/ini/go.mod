module example.org/ini.v1

go 1.19

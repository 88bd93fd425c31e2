module example.com/cryptohash

go 1.19

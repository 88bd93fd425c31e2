module example.com/pairs

go 1.19

require example.org/dep v1.0.0

replace example.org/dep => ./dep-v1.0.0

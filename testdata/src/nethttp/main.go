// Command nethttp links net/http (a large real import graph and many
// dynamic relocations in PIE builds). It builds a server and a request but
// never listens or dials, and exits 0 at once.
package main

import (
	"net/http"
	"os"
	"time"
)

func main() {
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("hello\n"))
	})
	srv := &http.Server{Addr: "127.0.0.1:0", Handler: mux, ReadTimeout: 5 * time.Second}
	req, err := http.NewRequest("GET", "http://127.0.0.1/", nil)
	if err != nil {
		os.Stdout.WriteString("nethttp: request error\n")
		os.Exit(1)
	}
	os.Stdout.WriteString("nethttp: " + srv.Addr + " " + req.Method + " " + req.URL.Path + "\n")
}

// A fixed-rate HTTPS load client for the webhook benchmark (bench/fixed-rate.ts starts it), so the
// client's own scheduling adds as little as possible to the latency it measures. Request i is due at
// start + i/rate and its latency is taken from that intended time to the end of its response body,
// not from when it went out: a stall of the server shows in every request due during it (wrk2's
// correction). Up to -connections requests are in flight over as many HTTP/1.1 keep-alive TLS
// connections; a request due while all are busy waits for one, and that wait counts too. Prints
// one JSON object (the fields of FixedRateResult in bench/fixed-rate.ts) on stdout.
//
//	fixed-rate-client -url https://127.0.0.1:9443/validate-webapps -body review.json -ca ca.crt \
//	  -rate 1000 -seconds 8 [-connections 64]
package main

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"sort"
	"sync"
	"time"
)

type result struct {
	Rate        float64 `json:"rate"`
	AchievedRps float64 `json:"achievedRps"`
	Requests    int     `json:"requests"`
	Errors      int     `json:"errors"`
	P50         float64 `json:"p50"`
	P99         float64 `json:"p99"`
	P999        float64 `json:"p999"`
	Max         float64 `json:"max"`
}

func main() {
	url := flag.String("url", "", "URL to POST to")
	bodyFile := flag.String("body", "", "file with the request body (JSON)")
	caFile := flag.String("ca", "", "PEM file of the CA that signed the server's certificate")
	rate := flag.Float64("rate", 1000, "requests per second")
	seconds := flag.Float64("seconds", 8, "how long to send")
	connections := flag.Int("connections", 64, "most requests in flight, each on its own connection")
	flag.Parse()
	if *url == "" || *bodyFile == "" || *caFile == "" || *rate <= 0 || *seconds <= 0 || *connections <= 0 {
		fmt.Fprintln(os.Stderr, "usage: fixed-rate-client -url U -body FILE -ca FILE [-rate R] [-seconds S] [-connections N]")
		os.Exit(2)
	}
	body, err := os.ReadFile(*bodyFile)
	check(err)
	caPem, err := os.ReadFile(*caFile)
	check(err)
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caPem) {
		check(fmt.Errorf("no certificate in %s", *caFile))
	}
	transport := &http.Transport{
		TLSClientConfig:     &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12},
		MaxConnsPerHost:     *connections,
		MaxIdleConnsPerHost: *connections,
		IdleConnTimeout:     time.Minute,
		// HTTP/1.1, as the Node servers speak it: no HTTP/2 even where the server offers it.
		TLSNextProto: map[string]func(string, *tls.Conn) http.RoundTripper{},
	}
	client := &http.Client{Transport: transport, Timeout: 30 * time.Second}

	total := int(*rate**seconds + 0.5)
	latencies := make([]float64, total)
	failed := make([]bool, total)
	due := make(chan int, total)
	interval := time.Duration(float64(time.Second) / *rate)
	start := time.Now().Add(10 * time.Millisecond)
	var wg sync.WaitGroup
	for w := 0; w < *connections; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range due {
				intended := start.Add(time.Duration(i) * interval)
				req, err := http.NewRequest(http.MethodPost, *url, bytes.NewReader(body))
				check(err)
				req.Header.Set("Content-Type", "application/json")
				res, err := client.Do(req)
				if err == nil {
					_, err = io.Copy(io.Discard, res.Body)
					res.Body.Close()
					if err == nil && res.StatusCode != http.StatusOK {
						err = fmt.Errorf("status %d", res.StatusCode)
					}
				}
				latencies[i] = float64(time.Since(intended)) / float64(time.Millisecond)
				failed[i] = err != nil
			}
		}()
	}
	for i := 0; i < total; i++ {
		if wait := time.Until(start.Add(time.Duration(i) * interval)); wait > 0 {
			time.Sleep(wait)
		}
		due <- i
	}
	close(due)
	wg.Wait()
	elapsed := time.Since(start).Seconds()

	errors := 0
	for _, f := range failed {
		if f {
			errors++
		}
	}
	sort.Float64s(latencies)
	at := func(q float64) float64 { return latencies[min(total-1, int(q*float64(total)))] }
	check(json.NewEncoder(os.Stdout).Encode(result{
		Rate: *rate, AchievedRps: float64(total) / elapsed, Requests: total, Errors: errors,
		P50: at(0.5), P99: at(0.99), P999: at(0.999), Max: latencies[total-1],
	}))
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "fixed-rate-client:", err)
		os.Exit(1)
	}
}

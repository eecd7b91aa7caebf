// probe: times how long until a URL answers HTTP 200 again, for bench/restart.sh.
//
// Adapted from shared/anchors/tools/probe/main.go (same two modes, same fresh-connection-per-probe
// polling); changes: 1 ms default poll interval, and it prints wall-clock (Unix ns) timestamps of
// the kill / spawn, of the first failed probe and of the first 200, so they can be lined up with a
// supervisor's own JSON log timestamps (both are CLOCK_REALTIME on the same machine).
//
//	probe -mode kill  -pid N -url U   check U answers 200, SIGKILL pid N, wait until U is seen down
//	                                  (so a response of the dying process is never counted), then
//	                                  poll every -interval until U answers 200 again.
//	probe -mode spawn -url U -- CMD.. check nothing serves U, start CMD, poll until 200, then SIGKILL
//	                                  CMD by its own pid and reap it (cold-start baseline).
//
// Prints one line:
//
//	mode=kill total_ms=12.3 down_seen_ms=0.4 probes=15 t0_ns=... down_ns=... ok_ns=...
//
// t0_ns is the wall-clock time just before kill(2) / fork-exec, ok_ns the time the 200 arrived.
package main

import (
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"syscall"
	"time"
)

func main() {
	mode := flag.String("mode", "kill", "kill|spawn")
	pid := flag.Int("pid", 0, "pid to SIGKILL (mode=kill)")
	url := flag.String("url", "", "URL to poll")
	interval := flag.Duration("interval", time.Millisecond, "pause between probes")
	timeout := flag.Duration("timeout", 30*time.Second, "give up after")
	flag.Parse()
	if *url == "" {
		fmt.Fprintln(os.Stderr, "need -url")
		os.Exit(2)
	}
	client := &http.Client{Timeout: 100 * time.Millisecond,
		Transport: &http.Transport{DisableKeepAlives: true}}
	probes := 0
	ok := func() bool {
		probes++
		resp, err := client.Get(*url)
		if err != nil {
			return false
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode == 200
	}
	die := func(f string, a ...interface{}) {
		fmt.Fprintf(os.Stderr, "probe: "+f+"\n", a...)
		os.Exit(1)
	}
	var t0, down time.Time
	var child *exec.Cmd
	switch *mode {
	case "kill":
		if *pid <= 0 {
			die("need -pid")
		}
		if !ok() {
			die("%s does not answer 200 before the kill", *url)
		}
		t0 = time.Now()
		if err := syscall.Kill(*pid, syscall.SIGKILL); err != nil {
			die("kill %d: %v", *pid, err)
		}
		for ok() {
			if time.Since(t0) > *timeout {
				die("never observed down")
			}
			time.Sleep(*interval)
		}
		down = time.Now()
	case "spawn":
		if flag.NArg() == 0 {
			die("need a command after --")
		}
		if ok() {
			die("something already serves %s", *url)
		}
		child = exec.Command(flag.Arg(0), flag.Args()[1:]...)
		child.Stdout, child.Stderr = os.Stderr, os.Stderr
		t0 = time.Now()
		if err := child.Start(); err != nil {
			die("start: %v", err)
		}
		down = t0
	default:
		die("bad -mode %q", *mode)
	}
	for !ok() {
		if time.Since(t0) > *timeout {
			if child != nil {
				child.Process.Kill()
				child.Wait()
			}
			die("no 200 from %s within %v", *url, *timeout)
		}
		time.Sleep(*interval)
	}
	okAt := time.Now()
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	fmt.Printf("mode=%s total_ms=%.1f down_seen_ms=%.1f probes=%d t0_ns=%d down_ns=%d ok_ns=%d\n",
		*mode, ms(okAt.Sub(t0)), ms(down.Sub(t0)), probes, t0.UnixNano(), down.UnixNano(), okAt.UnixNano())
	if child != nil {
		child.Process.Kill()
		child.Wait()
	}
}

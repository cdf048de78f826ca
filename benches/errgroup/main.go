// Command errgroup benchmarks Go's golang.org/x/sync/errgroup as a reference
// point for taskgroup's Rust benchmarks (benches/compare.rs). It runs with
// GOMAXPROCS=2 to mirror a 2-worker multi-thread tokio runtime and measures:
//
//   - spawn-N (N = 1e3, 1e5, 1e6): Go N trivial tasks on a plain
//     errgroup.Group, then Wait; ns per task.
//   - groups-of-4: 1e5 times WithContext, 4 trivial Go calls, Wait; ns per group.
//   - cancel-latency: 10000 goroutines parked on ctx.Done(), then one task
//     returns an error; us from just before that return until Wait returns.
//   - memory-N (N = 1e5, 1e6): bytes per goroutine parked on a channel,
//     measured as (peak RSS - baseline RSS) / N in a fresh child process.
//   - limit16-1000000: SetLimit(16), 1e6 trivial Go calls, Wait; ns per item.
//
// Every timed scenario is repeated -rounds times (default 9; -quick means 3)
// and the median is printed. Each measurement is printed as one line:
//
//	errgroup <scenario-key> <value> <unit>
//
// Invoked as "-memory N" the program measures only memory-N and prints that
// line; the normal run re-executes itself that way for each N.
package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"
)

// sink is the trivial task body. go:noinline keeps the call (and thus the
// use of i) from being optimised away, like std::hint::black_box in Rust.
//
//go:noinline
func sink(i int) {}

// report prints one machine-readable result line.
func report(key string, value float64, unit string) {
	fmt.Printf("errgroup %s %.1f %s\n", key, value, unit)
}

// median runs f rounds times (after a GC each, outside the timing) and
// returns the median of the durations it reports.
func median(rounds int, f func() time.Duration) time.Duration {
	samples := make([]time.Duration, rounds)
	for r := range samples {
		runtime.GC()
		samples[r] = f()
	}
	sort.Slice(samples, func(a, b int) bool { return samples[a] < samples[b] })
	return samples[rounds/2]
}

// spawn times n trivial tasks on a plain Group, including Wait.
func spawn(n int) time.Duration {
	start := time.Now()
	g := new(errgroup.Group)
	for i := 0; i < n; i++ {
		i := i
		g.Go(func() error { sink(i); return nil })
	}
	g.Wait()
	return time.Since(start)
}

// groupsOf4 times n small groups of 4 trivial tasks each.
func groupsOf4(n int) time.Duration {
	ctx := context.Background()
	start := time.Now()
	for k := 0; k < n; k++ {
		g, _ := errgroup.WithContext(ctx)
		for i := 0; i < 4; i++ {
			i := i
			g.Go(func() error { sink(i); return nil })
		}
		g.Wait()
	}
	return time.Since(start)
}

// cancelLatency parks n goroutines on the group's context, then lets one
// more task fail, and returns the time from just before that task returns
// its error until Wait returns (i.e. cancel fan-out plus join).
func cancelLatency(n int) time.Duration {
	g, ctx := errgroup.WithContext(context.Background())
	var ready sync.WaitGroup
	ready.Add(n)
	for i := 0; i < n; i++ {
		g.Go(func() error {
			ready.Done()
			<-ctx.Done()
			return ctx.Err()
		})
	}
	ready.Wait()
	// Every goroutine has now run up to its receive on ctx.Done(); give the
	// scheduler a moment so they are (approximately) all parked there.
	time.Sleep(10 * time.Millisecond)

	var t0 time.Time // written before the failing task ends; read after Wait
	g.Go(func() error {
		t0 = time.Now()
		return errors.New("boom")
	})
	g.Wait()
	return time.Since(t0)
}

// limited times n trivial tasks on a Group limited to limit active goroutines.
func limited(limit, n int) time.Duration {
	start := time.Now()
	g := new(errgroup.Group)
	g.SetLimit(limit)
	for i := 0; i < n; i++ {
		i := i
		g.Go(func() error { sink(i); return nil })
	}
	g.Wait()
	return time.Since(start)
}

// procStatusKB returns a "<field>: <n> kB" value from /proc/self/status.
func procStatusKB(field string) (int64, error) {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if line := sc.Text(); strings.HasPrefix(line, field+":") {
			v := strings.TrimSuffix(strings.TrimPrefix(line, field+":"), " kB")
			return strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		}
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	return 0, fmt.Errorf("%s not found in /proc/self/status", field)
}

// measureMemory runs in the child process: it parks n goroutines on a
// channel and reports (peak RSS - baseline RSS) per goroutine.
func measureMemory(n int) error {
	runtime.GC()
	base, err := procStatusKB("VmRSS")
	if err != nil {
		return err
	}
	ch := make(chan struct{})
	var started sync.WaitGroup
	started.Add(n)
	g := new(errgroup.Group)
	for i := 0; i < n; i++ {
		g.Go(func() error {
			started.Done()
			<-ch
			return nil
		})
	}
	started.Wait()
	peak, err := procStatusKB("VmHWM")
	if err != nil {
		return err
	}
	report(fmt.Sprintf("memory-%d", n), float64((peak-base)*1024)/float64(n), "bytes/task")
	close(ch)
	return g.Wait()
}

// memoryInChild re-executes this binary with -memory n and forwards its line.
func memoryInChild(n int) error {
	exe, err := os.Executable()
	if err != nil {
		exe = os.Args[0]
	}
	cmd := exec.Command(exe, "-memory", strconv.Itoa(n))
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return fmt.Errorf("memory-%d child: %w", n, err)
	}
	line := string(bytes.TrimSpace(out))
	if !strings.HasPrefix(line, fmt.Sprintf("errgroup memory-%d ", n)) {
		return fmt.Errorf("memory-%d child: unexpected output %q", n, line)
	}
	fmt.Println(line)
	return nil
}

func main() {
	rounds := flag.Int("rounds", 9, "timed repetitions per scenario (median is printed)")
	quick := flag.Bool("quick", false, "shorthand for -rounds 3")
	memory := flag.Int("memory", 0, "child mode: only measure memory with this many parked goroutines")
	flag.Parse()
	if *quick {
		*rounds = 3
	}
	if *rounds < 1 {
		fmt.Fprintln(os.Stderr, "errgroup: -rounds must be at least 1")
		os.Exit(2)
	}
	runtime.GOMAXPROCS(2)

	if *memory > 0 {
		if err := measureMemory(*memory); err != nil {
			fmt.Fprintln(os.Stderr, "errgroup:", err)
			os.Exit(1)
		}
		return
	}

	for _, n := range []int{1_000, 100_000, 1_000_000} {
		d := median(*rounds, func() time.Duration { return spawn(n) })
		report(fmt.Sprintf("spawn-%d", n), float64(d.Nanoseconds())/float64(n), "ns/task")
	}

	const groups = 100_000
	d := median(*rounds, func() time.Duration { return groupsOf4(groups) })
	report("groups-of-4", float64(d.Nanoseconds())/groups, "ns/group")

	d = median(*rounds, func() time.Duration { return cancelLatency(10_000) })
	report("cancel-latency", float64(d.Nanoseconds())/1e3, "us")

	failed := false
	for _, n := range []int{100_000, 1_000_000} {
		if err := memoryInChild(n); err != nil {
			fmt.Fprintln(os.Stderr, "errgroup:", err)
			failed = true
		}
	}

	const items = 1_000_000
	d = median(*rounds, func() time.Duration { return limited(16, items) })
	report("limit16-1000000", float64(d.Nanoseconds())/items, "ns/item")

	if failed {
		os.Exit(1)
	}
}

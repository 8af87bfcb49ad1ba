// Command bench compares dorm with hand-written database/sql code (and, for the record, GORM
// and Bun) on SQLite, in one process. See docs/performance.md for what each workload measures.
//
//	cd bench && go run . -runs 10
//	cd bench && go run . -runs 10 -only P1,P3 -cpuprofile /tmp/prof
//	cd bench && go run . -runs 10 -only P2,P3pg,efectn   # PostgreSQL (-pg URL), against raw pgx, GORM, Bun
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"
)

// contender is one way of doing a workload. run sets up (untimed), does the work and returns
// the time it measured.
type contender struct {
	name     string
	dorm     bool // profiled with -cpuprofile
	baseline bool // a candidate for "the fastest baseline" of the ratio
	run      func(ctx context.Context, run int) (time.Duration, error)
}

// row is one line of a results table.
type row struct {
	workload, name string
	dorm, baseline bool
	times          []time.Duration
	bytes, allocs  []uint64
}

func (r *row) median() time.Duration { return median(r.times) }

func median(ts []time.Duration) time.Duration {
	s := slices.Clone(ts)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

var (
	runs       = flag.Int("runs", 10, "timed runs per contender (the median is reported)")
	only       = flag.String("only", "P1,P3,P4", "workloads to run, comma-separated")
	cpuprofile = flag.String("cpuprofile", "", "directory for CPU profiles of the dorm contenders and the baselines (one file per run)")
	verbose    = flag.Bool("v", false, "print every run")
)

func main() {
	flag.Parse()
	if *runs < 1 {
		fmt.Fprintln(os.Stderr, "bench: -runs must be at least 1")
		os.Exit(2)
	}
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "dorm-bench-")
	if err != nil {
		fatal(err)
	}
	defer os.RemoveAll(dir)
	env := &Env{Dir: dir}

	fmt.Printf("dorm bench: %s, GOMAXPROCS %d, %d runs per contender, SQLite file in %s (WAL, synchronous=NORMAL, foreign_keys on)\n\n",
		runtime.Version(), runtime.GOMAXPROCS(0), *runs, dir)

	var verdicts []string
	for _, w := range strings.Split(*only, ",") {
		w = strings.TrimSpace(strings.ToUpper(w))
		switch w {
		case "P1":
			verdicts = append(verdicts, runWorkload(ctx, env, "P1", p1Contenders(env), 1.2)...)
		case "P3":
			verdicts = append(verdicts, runWorkload(ctx, env, "P3", p3Contenders(ctx, env), 1.2)...)
		case "P4":
			verdicts = append(verdicts, runP4(ctx, env)...)
		case "P2": // PostgreSQL (-pg)
			verdicts = append(verdicts, runWorkload(ctx, env, "P2", p2Contenders(ctx, env), 1.1)...)
			verdicts = append(verdicts, p2Verdicts()...)
		case "P3PG":
			verdicts = append(verdicts, runWorkload(ctx, env, "P3PG", p3pgContenders(ctx, env), 1.2)...)
			verdicts = append(verdicts, p3pgVerdicts()...)
		case "EFECTN":
			verdicts = append(verdicts, runEfectn(ctx, env)...)
		case "":
		default:
			fatal(fmt.Errorf("unknown workload %q (known: P1, P3, P4, P2, P3pg, efectn)", w))
		}
	}
	fmt.Println("Verdicts:")
	for _, v := range verdicts {
		fmt.Println("  " + v)
	}
	pgCleanup()
}

// runWorkload runs every contender once untimed (warm-up and check), then *runs times,
// rotating the order each run, and prints the table. It returns the verdict lines.
func runWorkload(ctx context.Context, env *Env, name string, cs []contender, target float64) []string {
	fmt.Printf("== %s: %s\n", name, describe[name])
	rows := make([]*row, len(cs))
	for i, c := range cs {
		rows[i] = &row{workload: name, name: c.name, dorm: c.dorm, baseline: c.baseline}
		if _, err := c.run(ctx, -1); err != nil {
			fatal(fmt.Errorf("%s %s (warm-up): %w", name, c.name, err))
		}
	}
	var prof *os.File
	for r := 0; r < *runs; r++ {
		for k := range cs {
			i := (k + r) % len(cs) // rotate the order
			c := cs[i]
			if (c.dorm || c.baseline) && *cpuprofile != "" {
				who := "dorm"
				if !c.dorm {
					who = fmt.Sprintf("baseline%d", i)
				}
				prof = startProfile(name, who)
			}
			d, err := c.run(ctx, r)
			if prof != nil {
				pprof.StopCPUProfile()
				prof = nil
			}
			if err != nil {
				fatal(fmt.Errorf("%s %s (run %d): %w", name, c.name, r, err))
			}
			rows[i].times = append(rows[i].times, d)
			rows[i].bytes = append(rows[i].bytes, lastMem.bytes)
			rows[i].allocs = append(rows[i].allocs, lastMem.allocs)
			if *verbose {
				fmt.Printf("   run %d %-40s %v minflt %d\n", r, c.name, d, lastMem.faults)
			}
		}
	}
	out := printTable(name, rows, target)
	tables[name] = rows
	if name == "P1" && len(p1Flush) > *runs {
		fmt.Printf("   dorm's time split: m.Flush alone %s (median), so 11,000 x m.Create %s\n\n",
			ms(median(p1Flush[1:])), ms(rows[0].median()-median(p1Flush[1:])))
	}
	return out
}

var profiles = map[string]*os.File{}

// startProfile starts a CPU profile of one run of one contender (dorm or a baseline): CPU
// profiling can't be paused, so each run gets its own file, named by workload, contender and
// a counter.
func startProfile(workload, who string) *os.File {
	if err := os.MkdirAll(*cpuprofile, 0o755); err != nil {
		fatal(err)
	}
	n := 0
	for {
		p := filepath.Join(*cpuprofile, fmt.Sprintf("%s-%s-%02d.pprof", workload, who, n))
		if _, err := os.Stat(p); os.IsNotExist(err) {
			f, err := os.Create(p)
			if err != nil {
				fatal(err)
			}
			if err := pprof.StartCPUProfile(f); err != nil {
				fatal(err)
			}
			return f
		}
		n++
	}
}

func printTable(name string, rows []*row, target float64) []string {
	var best *row
	for _, r := range rows {
		if r.baseline && (best == nil || r.median() < best.median()) {
			best = r
		}
	}
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "contender\tmedian\tmin\tmax\tvs fastest baseline\tGo heap allocs\tGo heap MB\t")
	for _, r := range rows {
		ratio := ""
		if best != nil {
			ratio = fmt.Sprintf("%.2fx", float64(r.median())/float64(best.median()))
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%.1f\t\n", r.name, ms(r.median()), ms(slices.Min(r.times)), ms(slices.Max(r.times)), ratio,
			slices.Min(r.allocs), float64(slices.Min(r.bytes))/(1<<20))
	}
	tw.Flush()
	var out []string
	for _, r := range rows {
		if !r.dorm || best == nil {
			continue
		}
		ratio := float64(r.median()) / float64(best.median())
		verdict := "MET"
		if ratio > target {
			verdict = "MISSED"
		}
		if target == 0 {
			out = append(out, fmt.Sprintf("%s: %s %.2fx %s (no target)", name, r.name, ratio, best.name))
			continue
		}
		out = append(out, fmt.Sprintf("%s: %s %.2fx %s (target <= %.1fx): %s", name, r.name, ratio, best.name, target, verdict))
	}
	fmt.Println()
	return out
}

func ms(d time.Duration) string {
	switch {
	case d >= 100*time.Millisecond:
		return fmt.Sprintf("%.0f ms", float64(d)/1e6)
	case d >= time.Millisecond:
		return fmt.Sprintf("%.1f ms", float64(d)/1e6)
	default:
		return fmt.Sprintf("%.1f µs", float64(d)/1e3)
	}
}

var describe = map[string]string{
	"P1": "insert 1,000 Authors + 10,000 Books (10 each) in one transaction; fresh database per run; timed: building the rows + all inserts + commit",
	"P3": "load 10,000 Books (all 13 columns) from a database seeded once; timed: the query and turning every row into a value",
	"P4": "Flush of an EntityManager holding N loaded Authors of which 10 (or 0) changed",
}

// lastMem is what the last measure call allocated on the Go heap (modernc.org/sqlite's C
// heap is not counted: it is not Go memory), and the page faults of the process during it
// (-v prints them: on a VM where touching a fresh page is slow, they are part of the time).
var lastMem struct {
	bytes, allocs uint64
	faults        int64
}

// measure collects garbage, then times fn and counts its Go heap allocations.
func measure(fn func() error) (time.Duration, error) {
	runtime.GC()
	var a, b runtime.MemStats
	runtime.ReadMemStats(&a)
	var ra, rb syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ra)
	start := time.Now()
	err := fn()
	d := time.Since(start)
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &rb)
	runtime.ReadMemStats(&b)
	lastMem.bytes, lastMem.allocs = b.TotalAlloc-a.TotalAlloc, b.Mallocs-a.Mallocs
	lastMem.faults = rb.Minflt - ra.Minflt
	return d, err
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "bench:", err)
	pgCleanup()
	os.Exit(1)
}

package main

import (
	"bytes"
	"fmt"
	"os"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"time"
)

// stageClock follows a lint run's stages: the progress line on a terminal names the
// stage under way, and with KUBENET_TIMINGS set (docs/performance.md) each stage that
// ends is reported on standard error with its wall time, heap, CPU and peak RSS
// (KUBENET_TIMINGS=live collects garbage first, to show the live heap).
type stageClock struct {
	io            *iostreams
	prog          *progress
	timings, live bool
	start         time.Time
	startCPU      time.Duration
	readied       int64
	// rules are the Rego rules' evaluation times, printed with the "rego" stage.
	rules []ruleTime
}

type ruleTime struct {
	rule string
	took time.Duration
}

// slowest is how many of the slowest Rego rules the "rego" stage names.
const slowest = 5

// ruleTimed records how long a Rego rule took to evaluate.
func (c *stageClock) ruleTimed(rule string, took time.Duration) {
	c.rules = append(c.rules, ruleTime{rule, took})
}

// next names the stage that follows the one that ended, for the progress line.
var next = map[string]string{"load": "computing facts", "facts": "building the rule input", "input": "evaluating rules", "rego": "reporting"}

func newStageClock(io *iostreams, quiet bool) *stageClock {
	t := os.Getenv("KUBENET_TIMINGS")
	c := &stageClock{io: io, timings: t != "", live: t == "live", start: time.Now(), startCPU: processCPU()}
	c.prog = startProgress(io, quiet || c.timings)
	return c
}

// heapReadier is the loader's Sized hook: it readies the heap for the input's size.
func (c *stageClock) heapReadier() func(int64) func() { return heapReadier(&c.readied, paceLint) }

// stage reports that a stage ended.
func (c *stageClock) stage(name string) {
	c.prog.Stage(next[name])
	if !c.timings {
		return
	}
	if name == "load" && c.readied > 0 {
		fmt.Fprintf(c.io.err, "kubenet: huge pages advised for %d MiB of heap\n", c.readied>>20)
	}
	var ms runtime.MemStats
	if c.live {
		runtime.GC() // the live heap, not what garbage waits for collection
	}
	runtime.ReadMemStats(&ms)
	cpu := processCPU()
	fmt.Fprintf(c.io.err, "kubenet: %-8s %-8v heap %4d MiB, total alloc %5d MiB, %d GCs%s%s\n", name,
		time.Since(c.start).Round(time.Millisecond), ms.HeapAlloc>>20, ms.TotalAlloc>>20, ms.NumGC,
		cpuSince(cpu, c.startCPU), peakRSS())
	if name == "rego" && len(c.rules) > 0 {
		// Rules evaluate in parallel: the slowest bound the stage.
		sort.Slice(c.rules, func(i, j int) bool { return c.rules[i].took > c.rules[j].took })
		var b strings.Builder
		for i, r := range c.rules[:min(slowest, len(c.rules))] {
			if i > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "%s %v", r.rule, r.took.Round(time.Millisecond))
		}
		fmt.Fprintf(c.io.err, "kubenet: %-8s slowest of %d: %s\n", "rules", len(c.rules), b.String())
	}
	c.start, c.startCPU = time.Now(), cpu
}

// compiled reports how long the rules took to compile, beside the loading.
func (c *stageClock) compiled(took time.Duration) {
	if !c.timings {
		return
	}
	fmt.Fprintf(c.io.err, "kubenet: %-8s %-8v waited for after loading; compiled in %v, beside it\n", "rules",
		time.Since(c.start).Round(time.Millisecond), took.Round(time.Millisecond))
	c.start, c.startCPU = time.Now(), processCPU()
}

// stop erases the progress line; output may follow.
func (c *stageClock) stop() { c.prog.Stop() }

// processCPU is the CPU time (user and system) the process has used so far, or -1 where
// the system does not tell it (Linux's /proc/self/stat).
func processCPU() time.Duration {
	stat, err := os.ReadFile("/proc/self/stat")
	if err != nil {
		return -1
	}
	// The command name (field 2) is in parentheses and may hold spaces: count from its end.
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 {
		return -1
	}
	f := strings.Fields(string(stat[i+1:]))
	// Fields 14 and 15 (utime, stime), in clock ticks; the state field 3 is f[0].
	if len(f) < 13 {
		return -1
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return -1
	}
	const ticks = 100 // USER_HZ, 100 on every Linux architecture Go supports
	return time.Duration(utime+stime) * time.Second / ticks
}

// cpuSince formats the CPU time used since before, when both readings exist.
func cpuSince(now, before time.Duration) string {
	if now < 0 || before < 0 {
		return ""
	}
	return fmt.Sprintf(", CPU %v", (now - before).Round(10*time.Millisecond))
}

// peakRSS is the process's peak resident set so far, where the system tells it (Linux).
func peakRSS() string {
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return ""
	}
	for line := range strings.Lines(string(status)) {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			return ", peak RSS " + strings.TrimSpace(v)
		}
	}
	return ""
}

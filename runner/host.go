package runner

import (
	"bufio"
	"io/fs"
	"os"
	"runtime"
	"strconv"
	"strings"

	"github.com/aienergy/aienergy/rundir"
)

// hostInfo describes the machine the run measures from, as CodeCarbon's
// emissions.csv does: its CPU model and memory come from /proc, read
// here once (empty where there is no /proc).
func hostInfo() rundir.Host {
	name, _ := os.Hostname()
	h := rundir.Host{Hostname: name, OS: runtime.GOOS, Arch: runtime.GOARCH, CPUs: runtime.NumCPU()}
	proc := os.DirFS("/proc")
	h.CPUModel = cpuModel(proc)
	h.RAMTotalGB = ramTotalGB(proc)
	return h
}

// cpuModel is the first "model name" of cpuinfo (x86), else its
// "Processor"/"cpu model" line (some ARM and MIPS kernels).
func cpuModel(proc fs.FS) string {
	var model string
	scanLines(proc, "cpuinfo", func(key, value string) bool {
		switch key {
		case "model name", "Processor", "cpu model":
			model = value
			return false
		}
		return true
	})
	return model
}

// ramTotalGB is meminfo's MemTotal in GB (10⁹ bytes, as CodeCarbon's
// ram_total_size); 0 when unknown.
func ramTotalGB(proc fs.FS) float64 {
	var gb float64
	scanLines(proc, "meminfo", func(key, value string) bool {
		if key != "MemTotal" {
			return true
		}
		if kb, err := strconv.ParseFloat(strings.TrimSuffix(value, " kB"), 64); err == nil && kb > 0 {
			gb = kb * 1024 / 1e9
		}
		return false
	})
	return gb
}

// scanLines calls f with each "key: value" line of name until f says stop.
func scanLines(proc fs.FS, name string, f func(key, value string) bool) {
	file, err := proc.Open(name)
	if err != nil {
		return
	}
	defer file.Close()
	sc := bufio.NewScanner(file)
	for sc.Scan() {
		key, value, ok := strings.Cut(sc.Text(), ":")
		if ok && !f(strings.TrimSpace(key), strings.TrimSpace(value)) {
			return
		}
	}
}

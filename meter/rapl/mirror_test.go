package rapl

import (
	"io/fs"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
)

// dieFS is a sysfs with one socket of dies named package-0-die-N whose
// energy_uj files hold values[N].
func dieFS(values ...string) fstest.MapFS {
	fsys := fstest.MapFS{}
	for i, v := range values {
		dir := "class/powercap/intel-rapl:" + strconv.Itoa(i)
		fsys[dir+"/name"] = &fstest.MapFile{Data: []byte("package-0-die-" + strconv.Itoa(i) + "\n")}
		fsys[dir+"/energy_uj"] = &fstest.MapFile{Data: []byte(v + "\n")}
	}
	return fsys
}

// tickFS serves one counter through every die, as an AMD socket does, and
// advances it after each of the first ticks reads: the first round of
// reads sees every die at a different value.
type tickFS struct {
	fs.FS
	mu      sync.Mutex
	counter uint64
	ticks   int
}

func (f *tickFS) Open(name string) (fs.File, error) {
	if !strings.HasSuffix(name, "/energy_uj") {
		return f.FS.Open(name)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	v := f.counter
	if f.ticks > 0 {
		f.ticks--
		f.counter += 61
	}
	return fstest.MapFS{"c": &fstest.MapFile{Data: []byte(strconv.FormatUint(v, 10) + "\n")}}.Open("c")
}

func TestDropMirrors(t *testing.T) {
	tests := []struct {
		name string
		fsys fs.FS
		want []string // channels kept
	}{
		{"identical counters are one", dieFS("5000", "5000"), []string{"cpu-package-0"}},
		{"different counters are two dies", dieFS("5000", "5061"), []string{"cpu-package-0-die-0", "cpu-package-0-die-1"}},
		{"zero counters are not taken for mirrors", dieFS("0", "0"), []string{"cpu-package-0-die-0", "cpu-package-0-die-1"}},
		{"two of three dies mirror", dieFS("5000", "7000", "5000"), []string{"cpu-package-0-die-0", "cpu-package-0-die-1"}},
		{"a counter ticking between reads is still one", &tickFS{FS: dieFS("0", "0", "0"), counter: 1000, ticks: 3}, []string{"cpu-package-0"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doms, _, err := discover(tt.fsys)
			if err != nil {
				t.Fatal(err)
			}
			kept, _, err := dropMirrors(tt.fsys, doms)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, d := range kept {
				got = append(got, d.channel())
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("kept %v, want %v", got, tt.want)
			}
		})
	}
}

// Zones the meter does not know are left out, and say why.
func TestDiscoverSkipsUnknownZones(t *testing.T) {
	zone := func(fsys fstest.MapFS, id, name string) {
		fsys["class/powercap/"+id+"/name"] = &fstest.MapFile{Data: []byte(name + "\n")}
		fsys["class/powercap/"+id+"/energy_uj"] = &fstest.MapFile{Data: []byte("1000\n")}
	}
	fsys := fstest.MapFS{}
	zone(fsys, "intel-rapl:0", "package-0")
	zone(fsys, "intel-rapl:0:0", "gt") // a name no kernel gives a RAPL sub-zone today
	zone(fsys, "intel-rapl:1", "psys")
	zone(fsys, "intel-rapl:1:0", "core") // under psys, not a package
	zone(fsys, "intel-rapl:2", "soc")
	zone(fsys, "dtpm:0", "soc") // another driver's zones are not looked at
	doms, skipped, err := discover(fsys)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, d := range doms {
		got = append(got, d.channel())
	}
	if want := []string{"cpu-package-0", "psys"}; !slices.Equal(got, want) {
		t.Errorf("channels %v, want %v", got, want)
	}
	want := []string{
		`intel-rapl:0:0 ("gt"): not a RAPL domain this meter knows`,
		`intel-rapl:1:0 ("core"): its parent zone is not a package`,
		`intel-rapl:2 ("soc"): not a RAPL domain this meter knows`,
	}
	if !slices.Equal(skipped, want) {
		t.Errorf("skipped:\n%s\nwant:\n%s", strings.Join(skipped, "\n"), strings.Join(want, "\n"))
	}
}

package estimate

import (
	_ "embed"
	"encoding/csv"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
)

// cpuTDPCSV is the TDP table: model,tdp_w,source. See the file's header.
//
//go:embed cpu_tdp.csv
var cpuTDPCSV string

// A tdpEntry is one row of the TDP table.
type tdpEntry struct {
	Model  string  // as the vendor names it
	Watts  float64 // TDP of one package
	Source string  // where the figure comes from
}

// tdpTable is the parsed table, keyed by normalized model name.
var tdpTable = sync.OnceValues(func() (map[string]tdpEntry, error) { return parseTDPTable(cpuTDPCSV) })

func parseTDPTable(text string) (map[string]tdpEntry, error) {
	r := csv.NewReader(strings.NewReader(text))
	r.Comment = '#'
	r.FieldsPerRecord = 3
	rows, err := r.ReadAll()
	if err != nil {
		return nil, fmt.Errorf("cpu_tdp.csv: %w", err)
	}
	if len(rows) == 0 || strings.Join(rows[0], ",") != "model,tdp_w,source" {
		return nil, fmt.Errorf("cpu_tdp.csv: want the header model,tdp_w,source")
	}
	table := make(map[string]tdpEntry, len(rows)-1)
	for i, row := range rows[1:] {
		e := tdpEntry{Model: strings.TrimSpace(row[0]), Source: strings.TrimSpace(row[2])}
		e.Watts, err = strconv.ParseFloat(strings.TrimSpace(row[1]), 64)
		if err != nil || !(e.Watts > 0) {
			return nil, fmt.Errorf("cpu_tdp.csv row %d (%s): want a positive tdp_w, got %q", i+2, e.Model, row[1])
		}
		if e.Source == "" {
			return nil, fmt.Errorf("cpu_tdp.csv row %d (%s): no source", i+2, e.Model)
		}
		key := normalizeModel(e.Model)
		if prev, dup := table[key]; dup {
			return nil, fmt.Errorf("cpu_tdp.csv row %d: %q and %q are the same model", i+2, prev.Model, e.Model)
		}
		table[key] = e
	}
	return table, nil
}

// lookupTDP finds the table row for a /proc/cpuinfo model name.
func lookupTDP(model string) (tdpEntry, bool, error) {
	table, err := tdpTable()
	if err != nil {
		return tdpEntry{}, false, err
	}
	e, ok := table[normalizeModel(model)]
	return e, ok, nil
}

var (
	ordinal   = regexp.MustCompile(`^\d+(st|nd|rd|th)$`) // "13th" in "13th Gen Intel(R) Core(TM) i9-13900K"
	coreCount = regexp.MustCompile(`^\d+-cores?$`)       // "64-Core" in "AMD EPYC 7742 64-Core Processor"
)

// normalizeModel reduces a CPU name to the words that identify the model,
// so that /proc/cpuinfo's "Intel(R) Xeon(R) Gold 6248 CPU @ 2.50GHz" and
// the vendor's "Intel Xeon Gold 6248 Processor" both read "xeon gold 6248".
// Model numbers and suffixes (v4, 8480+, 5995WX) are kept: they decide the TDP.
func normalizeModel(name string) string {
	s := strings.ToLower(name)
	for _, mark := range []string{"(r)", "(tm)", "®", "™"} {
		s = strings.ReplaceAll(s, mark, " ")
	}
	// The clock ("@ 2.50GHz") and integrated graphics ("w/ Radeon 780M
	// Graphics", "with Radeon Graphics") follow the model; cut them off.
	for _, tail := range []string{"@", " w/ ", " with "} {
		if i := strings.Index(s, tail); i >= 0 {
			s = s[:i]
		}
	}
	words := strings.Fields(s)
	kept := words[:0]
	for i, w := range words {
		switch {
		case w == "intel" || w == "amd" || w == "cpu" || w == "processor" || w == "gen":
		case ordinal.MatchString(w) && i+1 < len(words) && words[i+1] == "gen":
		case coreCount.MatchString(w):
		default:
			kept = append(kept, w)
		}
	}
	return strings.Join(kept, " ")
}

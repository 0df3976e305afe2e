package nvidiasmi

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// The fields the meter queries, in this order; instant only where asked.
const (
	fieldIndex   = "index"
	fieldUUID    = "uuid"
	fieldDraw    = "power.draw"
	fieldInstant = "power.draw.instant"
)

// A value is one power figure from one line: watts, or what nvidia-smi
// printed instead ("[N/A]", "[Not Supported]", "[GPU is lost]", …).
type value struct {
	watts  float64
	absent string // "" when watts holds a number
}

func (v value) ok() bool { return v.absent == "" }

// A sample is one line of nvidia-smi's output: one GPU at one loop.
type sample struct {
	index   int
	uuid    string
	draw    value
	instant value // absent "not queried" when the query lacks the field
	at      time.Time
}

var notQueried = value{absent: "not queried"}

// parseLine reads one line of --format=csv,noheader,nounits output for a
// query of index, uuid, power.draw and, when instant is set,
// power.draw.instant. nvidia-smi separates fields with ", ".
func parseLine(line string, instant bool) (sample, error) {
	parts := strings.Split(line, ",")
	want := 3
	if instant {
		want = 4
	}
	if len(parts) != want {
		return sample{}, fmt.Errorf("want %d comma-separated fields, got %d", want, len(parts))
	}
	for i := range parts {
		parts[i] = strings.TrimSpace(parts[i])
	}
	var s sample
	var err error
	if s.index, err = strconv.Atoi(parts[0]); err != nil || s.index < 0 {
		return sample{}, fmt.Errorf("index %q is not a GPU index", parts[0])
	}
	if s.uuid = parts[1]; !strings.HasPrefix(s.uuid, "GPU-") {
		return sample{}, fmt.Errorf("uuid %q is not a GPU UUID", parts[1])
	}
	if s.draw, err = parseWatts(parts[2]); err != nil {
		return sample{}, fmt.Errorf("%s: %w", fieldDraw, err)
	}
	s.instant = notQueried
	if instant {
		if s.instant, err = parseWatts(parts[3]); err != nil {
			return sample{}, fmt.Errorf("%s: %w", fieldInstant, err)
		}
	}
	return s, nil
}

// parseWatts reads a power field printed with nounits. nvidia-smi writes
// a missing figure in brackets ("[N/A]", "[Not Supported]"); some older
// versions leave them out ("N/A").
func parseWatts(field string) (value, error) {
	if strings.HasPrefix(field, "[") || field == "N/A" {
		return value{absent: field}, nil
	}
	w, err := strconv.ParseFloat(field, 64)
	if err != nil || w < 0 || math.IsNaN(w) || math.IsInf(w, 0) {
		return value{}, fmt.Errorf("%q is not a power in watts", field)
	}
	return value{watts: w}, nil
}

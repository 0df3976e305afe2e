package redfish

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// The types below hold the few Redfish properties the meter reads; JSON
// decoding ignores the rest.

// A link is a Redfish navigation property: {"@odata.id": "/redfish/v1/…"}.
type link struct {
	ID string `json:"@odata.id"`
}

type serviceRoot struct {
	Chassis link
	Links   struct {
		Sessions link
	}
	ProtocolFeaturesSupported struct {
		ExpandQuery struct {
			Levels    bool
			MaxLevels int
		}
	}
}

type collection struct {
	Members []json.RawMessage
}

type chassis struct {
	ID                 string `json:"Id"`
	Name               string
	ChassisType        string
	EnvironmentMetrics link
	Sensors            link
	Power              link
	Links              struct {
		ContainedBy link
	}
	path string // the @odata.id this chassis was read from
}

type status struct {
	State string
}

// resource is any of EnvironmentMetrics, Sensor and Power: the meter
// decodes each polled resource into it and picks the fields its source
// names.
type resource struct {
	OdataID string `json:"@odata.id"`
	// EnvironmentMetrics
	PowerWatts *excerpt
	EnergykWh  *excerpt
	// Sensor
	ID                string `json:"Id"`
	ReadingType       string
	PhysicalContext   string
	ElectricalContext string
	Reading           number
	Status            status
	// Power (deprecated in favour of the above, still the only power
	// resource on many BMCs)
	PowerControl []powerControl
}

// excerpt is a SensorPowerExcerpt or SensorEnergykWhExcerpt.
type excerpt struct {
	Reading       number
	DataSourceURI string `json:"DataSourceUri"`
}

type powerControl struct {
	MemberID           string `json:"MemberId"`
	Name               string
	PhysicalContext    string
	PowerConsumedWatts number
	Status             status
}

// A number is a JSON number kept with its text, so the meter can tell
// how finely a BMC reports a counter from the decimals it prints. JSON null
// (a BMC's "no reading now") leaves it unset. A numeric string is accepted:
// some BMCs quote numbers.
type number struct {
	set  bool
	v    float64
	text string
}

func (n *number) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if string(b) == "null" {
		*n = number{}
		return nil
	}
	text := string(b)
	if len(b) > 0 && b[0] == '"' {
		if err := json.Unmarshal(b, &text); err != nil {
			return err
		}
		text = strings.TrimSpace(text)
	}
	v, err := strconv.ParseFloat(text, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return fmt.Errorf("want a number, got %s", b)
	}
	*n = number{set: true, v: v, text: text}
	return nil
}

// step is the smallest change the printed number can show: 1 for "36166",
// 0.001 for "36.166", 0.01 for "3.6166e2".
func (n number) step() float64 {
	mant, exp := strings.ToLower(n.text), 0
	if i := strings.IndexByte(mant, 'e'); i >= 0 {
		exp, _ = strconv.Atoi(mant[i+1:])
		mant = mant[:i]
	}
	decimals := 0
	if i := strings.IndexByte(mant, '.'); i >= 0 {
		decimals = len(mant) - i - 1
	}
	return math.Pow10(exp - decimals)
}

// enabled reports whether a Status.State lets the sensor report: Absent,
// Disabled and UnavailableOffline do not; an absent state counts as
// working, since many BMCs leave it out.
func (s status) enabled() bool {
	switch s.State {
	case "Absent", "Disabled", "UnavailableOffline":
		return false
	}
	return true
}

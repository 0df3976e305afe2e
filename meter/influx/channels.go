package influx

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/aienergy/aienergy/meter"
)

// A Point is one power figure SmartWatts wrote, at its own timestamp.
type Point struct {
	T     time.Time // UTC, nanosecond precision as stored
	Watts float64
}

// series is what a query returns: the points of one tag set.
type series struct {
	tags   map[string]string
	points []Point
}

// Tags that name a channel besides the target (see doc.go).
const (
	socketTag = "socket"
	scopeTag  = "scope"
)

// channelOf names the channel a series belongs to and says what it measures.
func channelOf(tags map[string]string, targetTag string, def meter.Component) (string, meter.Component) {
	name := cleanName(tags[targetTag])
	if s := tags[socketTag]; s != "" {
		name += "-socket" + cleanName(s)
	}
	comp := def
	switch scope := tags[scopeTag]; scope {
	case "", "cpu":
	case "dram":
		name += "-dram"
		comp = meter.DRAM
	default:
		name += "-" + cleanName(scope)
	}
	return name, comp
}

// cleanName keeps a tag value usable in a channel name: the run directory
// keys readings by "meter/channel" and writes channel names into CSV
// headers. Cgroup paths such as "/docker/3f2a" become "docker-3f2a".
func cleanName(v string) string {
	s := strings.Map(func(r rune) rune {
		if r == '-' || r == '_' || r == '.' || 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' {
			return r
		}
		return '-'
	}, v)
	s = strings.Trim(s, "-")
	if s == "" {
		return "unnamed"
	}
	return s
}

// channel is the merged points of every series that names it.
type channel struct {
	name      string
	component meter.Component
	points    []Point
}

// assemble merges series into channels, points in time order. Series of
// one channel that differ only in other tags (formula, ratio, sensor) are
// one stream of points; two of them at the same instant with different
// values are two sources (two hosts in one bucket), an error.
func assemble(ss []series, sel *selection, def meter.Component) ([]channel, error) {
	type tagged struct {
		p    Point
		from int // index into ss
	}
	byName := map[string][]tagged{}
	comps := map[string]meter.Component{}
	for i, s := range ss {
		if !sel.keeps(s.tags) || len(s.points) == 0 {
			continue
		}
		name, comp := channelOf(s.tags, sel.targetTag, def)
		comps[name] = comp
		for _, p := range s.points {
			byName[name] = append(byName[name], tagged{p, i})
		}
	}
	names := make([]string, 0, len(byName))
	for n := range byName {
		names = append(names, n)
	}
	sort.Strings(names)
	out := make([]channel, 0, len(names))
	for _, name := range names {
		pts := byName[name]
		sort.SliceStable(pts, func(i, j int) bool { return pts[i].p.T.Before(pts[j].p.T) })
		c := channel{name: name, component: comps[name], points: make([]Point, 0, len(pts))}
		for i, tp := range pts {
			if i > 0 && tp.p.T.Equal(pts[i-1].p.T) {
				prev := pts[i-1]
				if tp.p.Watts == prev.p.Watts {
					continue // the same figure twice: nothing new
				}
				return nil, fmt.Errorf("channel %q has two points at %s: %v W from %s and %v W from %s; "+
					"these look like two sources (two hosts in one bucket?): pick one with tags:, e.g. tags: {%s}",
					name, tp.p.T.Format(time.RFC3339Nano), prev.p.Watts, formatTags(ss[prev.from].tags),
					tp.p.Watts, formatTags(ss[tp.from].tags), tagDiff(ss[prev.from].tags, ss[tp.from].tags))
			}
			c.points = append(c.points, tp.p)
		}
		out = append(out, c)
	}
	return out, nil
}

// tagDiff suggests a matcher from a tag whose values differ: sensor (the
// host, in SmartWatts' points) when it does, else the first such tag.
func tagDiff(a, b map[string]string) string {
	keys := []string{"sensor"}
	for k := range a {
		keys = append(keys, k)
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		if a[k] != b[k] {
			return fmt.Sprintf("%s: %q", k, a[k])
		}
	}
	return "sensor: …"
}

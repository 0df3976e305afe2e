package redfish

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"path"
	"strings"

	"github.com/aienergy/aienergy/internal/safename"
)

// memberLinks decodes the @odata.id of each member of a collection.
func memberLinks(coll collection) ([]string, error) {
	out := make([]string, 0, len(coll.Members))
	for _, raw := range coll.Members {
		var l link
		if err := json.Unmarshal(raw, &l); err != nil || l.ID == "" {
			return nil, fmt.Errorf("unexpected JSON: a collection member without @odata.id: %s", truncate(string(raw), 80))
		}
		out = append(out, l.ID)
	}
	return out, nil
}

// nameChannels gives each plan the channel "bmc-<id>", unique among them.
func nameChannels(plans []*chassisPlan) {
	seen := map[string]int{}
	for _, p := range plans {
		// '_', not SanitizeChannel's '-': the channel names earlier runs
		// recorded stay the same.
		name := "bmc-" + safename.Map(p.id, '_')
		seen[name]++
		if n := seen[name]; n > 1 {
			name = fmt.Sprintf("%s-%d", name, n)
		}
		p.channel = name
	}
}

// canonical is a resource path without trailing slash, fragment or query.
func canonical(p string) string {
	if u, err := url.Parse(p); err == nil {
		p = u.Path
	}
	return strings.TrimSuffix(p, "/")
}

// lastSegment is a resource's Id as its path shows it.
func lastSegment(p string) string {
	seg := path.Base(canonical(p))
	if s, err := url.PathUnescape(seg); err == nil {
		return s
	}
	return seg
}

func isDecodeError(err error) bool {
	var de *decodeError
	return errors.As(err, &de)
}

func isStatus(err error, status int) bool {
	var he *httpError
	return errors.As(err, &he) && he.Status == status
}

func formatJoules(j float64) string {
	switch {
	case j >= 1e6:
		return fmt.Sprintf("%.4g MJ", j/1e6)
	case j >= 1e3:
		return fmt.Sprintf("%.4g kJ", j/1e3)
	}
	return fmt.Sprintf("%.4g J", j)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

package redfish

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
)

// discovery walks the BMC's resource tree once.
type discovery struct {
	c       *client
	mode    string // energy mode
	expand  bool   // the service expands collection members ($expand)
	chassis map[string]*chassis
}

// A noPowerError says the BMC answered but reports no power: the meter is
// unavailable on this machine, not misconfigured.
type noPowerError struct{ reason string }

func (e *noPowerError) Error() string { return e.reason }

// A chassisError is a problem with the chassis option.
type chassisError struct{ err error }

func (e *chassisError) Error() string { return e.err.Error() }
func (e *chassisError) Unwrap() error { return e.err }

// run finds the chassis to read and their sources: the listed ones (want),
// or one chosen as the package comment describes.
func (d *discovery) run(ctx context.Context, want []string) ([]*chassisPlan, error) {
	var root serviceRoot
	if err := d.c.get(ctx, servicePath, &root); err != nil {
		if isStatus(err, http.StatusNotFound) {
			return nil, fmt.Errorf("no Redfish service at %s (GET %s answered 404); is this the BMC's address?", d.c.shown, servicePath)
		}
		return nil, fmt.Errorf("%w (is %s a BMC's Redfish service?)", err, d.c.shown)
	}
	eq := root.ProtocolFeaturesSupported.ExpandQuery
	d.expand = eq.Levels && eq.MaxLevels >= 1
	if d.c.useSession {
		d.c.sessionsURI = root.Links.Sessions.ID
		if d.c.sessionsURI == "" {
			d.c.sessionsURI = defaultSessions
		}
		if err := d.c.login(ctx); err != nil {
			return nil, err
		}
	}
	if root.Chassis.ID == "" {
		return nil, &noPowerError{fmt.Sprintf("the Redfish service at %s lists no Chassis collection", d.c.shown)}
	}
	var coll collection
	if err := d.c.get(ctx, root.Chassis.ID, &coll); err != nil {
		return nil, err
	}
	paths, err := memberLinks(coll)
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", d.c.show(root.Chassis.ID), err)
	}
	if len(paths) == 0 {
		return nil, &noPowerError{fmt.Sprintf("the BMC at %s lists no chassis", d.c.shown)}
	}
	var plans []*chassisPlan
	if len(want) > 0 {
		plans, err = d.listed(ctx, paths, want)
	} else {
		plans, err = d.chooseOne(ctx, paths)
	}
	if err != nil {
		return nil, err
	}
	nameChannels(plans)
	return plans, nil
}

// listed plans the chassis the user named, refusing nested pairs.
func (d *discovery) listed(ctx context.Context, paths, want []string) ([]*chassisPlan, error) {
	byID := map[string]string{}
	ids := make([]string, 0, len(paths))
	for _, p := range paths {
		id := lastSegment(p)
		byID[id] = p
		ids = append(ids, id)
	}
	wanted := map[string]string{} // path → id
	var chosen []*chassis
	for _, id := range want {
		p, ok := byID[id]
		if !ok {
			return nil, &chassisError{fmt.Errorf("the BMC has no chassis %q (it has: %s)", id, strings.Join(ids, ", "))}
		}
		if _, dup := wanted[p]; dup {
			return nil, &chassisError{fmt.Errorf("chassis %q is listed twice", id)}
		}
		ch, err := d.get(ctx, p)
		if err != nil {
			return nil, err
		}
		wanted[p] = id
		chosen = append(chosen, ch)
	}
	for _, ch := range chosen {
		up, err := d.ancestors(ctx, ch)
		if err != nil {
			return nil, err
		}
		for _, a := range up {
			if id, both := wanted[a]; both {
				return nil, &chassisError{fmt.Errorf("chassis %q is inside chassis %q: the enclosure's power includes it, so listing both counts it twice; list one of them", lastSegment(ch.path), id)}
			}
		}
	}
	plans := make([]*chassisPlan, 0, len(chosen))
	for _, ch := range chosen {
		p, why, err := d.plan(ctx, ch)
		if err != nil {
			return nil, err
		}
		if p == nil {
			return nil, &chassisError{fmt.Errorf("chassis %q reports no power (%s)", lastSegment(ch.path), why)}
		}
		plans = append(plans, p)
	}
	return plans, nil
}

// chooseOne plans the first chassis with power data, trying top-level and
// server-like chassis first.
func (d *discovery) chooseOne(ctx context.Context, paths []string) ([]*chassisPlan, error) {
	all := make([]*chassis, 0, len(paths))
	for _, p := range paths {
		ch, err := d.get(ctx, p)
		if err != nil {
			return nil, err
		}
		all = append(all, ch)
	}
	slices.SortStableFunc(all, func(a, b *chassis) int { return preference(a) - preference(b) })
	var checked []string
	for _, ch := range all {
		p, why, err := d.plan(ctx, ch)
		if err != nil {
			return nil, err
		}
		if p != nil {
			return []*chassisPlan{p}, nil
		}
		checked = append(checked, fmt.Sprintf("%s: %s", lastSegment(ch.path), why))
	}
	return nil, &noPowerError{fmt.Sprintf("the BMC at %s reports no power reading on any chassis (%s)", d.c.shown, strings.Join(checked, "; "))}
}

// preference ranks a chassis for the default choice: lower is better.
func preference(ch *chassis) int {
	rank := 0
	if ch.Links.ContainedBy.ID != "" {
		rank += 2
	}
	switch ch.ChassisType {
	case "RackMount", "StandAlone", "Blade", "Sled", "Enclosure", "Drawer", "Rack", "Pod", "Row", "Expansion":
	default:
		rank++
	}
	return rank
}

// ancestors lists the paths of the chassis that contain ch, innermost
// first.
func (d *discovery) ancestors(ctx context.Context, ch *chassis) ([]string, error) {
	var up []string
	for depth := 0; ch.Links.ContainedBy.ID != "" && depth < 8; depth++ {
		parent, err := d.get(ctx, ch.Links.ContainedBy.ID)
		if err != nil {
			return nil, err
		}
		up = append(up, parent.path)
		ch = parent
	}
	return up, nil
}

// get reads a chassis resource once.
func (d *discovery) get(ctx context.Context, p string) (*chassis, error) {
	key := canonical(p)
	if ch, ok := d.chassis[key]; ok {
		return ch, nil
	}
	ch := &chassis{}
	if err := d.c.get(ctx, p, ch); err != nil {
		return nil, err
	}
	ch.path = key
	if ch.ID == "" {
		ch.ID = lastSegment(key)
	}
	if d.chassis == nil {
		d.chassis = map[string]*chassis{}
	}
	d.chassis[key] = ch
	return ch, nil
}

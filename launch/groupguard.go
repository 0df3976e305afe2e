package launch

import "time"

// A Guard ends a process group should aienergy die without releasing it
// (SIGKILL, the OOM killer, a crash), as a launched server's group is
// ended: with SIGTERM, then SIGKILL after its stop timeout. `aienergy
// measure` guards the command it measures with one.
type Guard struct{ g *guard }

// GuardGroup starts a guard of process group pgid, a process of its own
// (see guard). Where there are no process groups it guards nothing.
func GuardGroup(pgid int, stopTimeout time.Duration) (*Guard, error) {
	g, err := startGuard(pgid, stopTimeout)
	if err != nil {
		return nil, err
	}
	return &Guard{g}, nil
}

// Release tells the guard to leave the group alone and waits for it to
// exit. It is a no-op on a nil Guard, and after the first call.
func (g *Guard) Release() {
	if g != nil {
		g.g.release()
		g.g = nil
	}
}

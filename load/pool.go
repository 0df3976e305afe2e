package load

import (
	"context"
	"sync"
	"time"
)

// pool runs released requests on reusable goroutines, at most limit at a
// time (0: as many as needed). The pacer never blocks on it: a request
// that finds no free goroutine and no room for another waits in a FIFO
// queue, so the pacer keeps to the schedule and the wait shows up as
// queue time on that request alone.
type pool struct {
	ctx   context.Context
	do    func(ctx context.Context, index int, scheduled time.Time)
	limit int
	// done is told of each request once it has returned, or been dropped
	// (Started zero), so that nothing keeps the request afterwards.
	done func(*Send)

	mu      sync.Mutex
	cond    *sync.Cond
	queue   []*Send // FIFO; head is the next to start
	idle    int     // goroutines parked in cond.Wait, not yet woken
	workers int
	closed  bool
	wg      sync.WaitGroup
}

func newPool(ctx context.Context, limit int, do func(context.Context, int, time.Time), done func(*Send)) *pool {
	p := &pool{ctx: ctx, do: do, limit: limit, done: done}
	p.cond = sync.NewCond(&p.mu)
	return p
}

// submit hands s to an idle goroutine, a new one, or the queue.
func (p *pool) submit(s *Send) {
	p.mu.Lock()
	p.queue = append(p.queue, s)
	switch {
	case p.idle > 0:
		// Count the waker's goroutine as taken now, so that a second
		// submit before it runs does not count on the same one.
		p.idle--
		p.cond.Signal()
	case p.limit == 0 || p.workers < p.limit:
		p.workers++
		p.wg.Add(1)
		go p.work()
	default:
		s.Queued = true
	}
	p.mu.Unlock()
}

// close waits until every queued request has started (or been dropped
// because ctx ended) and every started one has returned.
func (p *pool) close() {
	p.mu.Lock()
	p.closed = true
	p.cond.Broadcast()
	p.mu.Unlock()
	p.wg.Wait()
}

func (p *pool) work() {
	defer p.wg.Done()
	for {
		p.mu.Lock()
		for len(p.queue) == 0 && !p.closed {
			p.idle++
			p.cond.Wait()
		}
		if len(p.queue) == 0 {
			p.mu.Unlock()
			return
		}
		s := p.queue[0]
		p.queue[0] = nil
		p.queue = p.queue[1:]
		p.mu.Unlock()

		if p.ctx.Err() != nil {
			p.done(s) // dropped: Started stays zero, counted unsent
			continue
		}
		s.Started = time.Now()
		p.do(p.ctx, s.Index, s.Scheduled)
		s.Done = time.Now()
		p.done(s)
	}
}

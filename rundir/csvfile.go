package rundir

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"os"
	"sync"
	"time"
)

// flushEvery bounds what a crash can lose: rows reach the operating system
// at least this often.
const flushEvery = 500 * time.Millisecond

// csvFile is a CSV file written row by row from many goroutines and
// flushed on a timer, so that raw data is on disk as the run goes.
type csvFile struct {
	mu   sync.Mutex
	f    *os.File
	buf  *bufio.Writer
	w    *csv.Writer
	err  error
	stop chan struct{}
	done chan struct{}
}

func createCSV(path string, header []string) (*csvFile, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o666) // less the umask
	if err != nil {
		return nil, err
	}
	buf := bufio.NewWriterSize(f, 64<<10)
	c := &csvFile{f: f, buf: buf, w: csv.NewWriter(buf), stop: make(chan struct{}), done: make(chan struct{})}
	if err := c.w.Write(header); err != nil {
		f.Close()
		return nil, err
	}
	go c.flushLoop()
	return c, nil
}

func (c *csvFile) flushLoop() {
	defer close(c.done)
	t := time.NewTicker(flushEvery)
	defer t.Stop()
	for {
		select {
		case <-c.stop:
			return
		case <-t.C:
			c.mu.Lock()
			c.flushLocked()
			c.mu.Unlock()
		}
	}
}

func (c *csvFile) flushLocked() {
	c.w.Flush()
	if err := c.w.Error(); err != nil && c.err == nil {
		c.err = err
	}
	if err := c.buf.Flush(); err != nil && c.err == nil {
		c.err = err
	}
}

// write appends rows; the first write error is kept and returned by close.
func (c *csvFile) write(rows ...[]string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, r := range rows {
		if err := c.w.Write(r); err != nil && c.err == nil {
			c.err = err
		}
	}
}

func (c *csvFile) close() error {
	close(c.stop)
	<-c.done
	c.mu.Lock()
	defer c.mu.Unlock()
	c.flushLocked()
	if err := c.f.Sync(); err != nil && c.err == nil {
		c.err = err
	}
	if err := c.f.Close(); err != nil && c.err == nil {
		c.err = err
	}
	if c.err != nil {
		return fmt.Errorf("%s: %w", c.f.Name(), c.err)
	}
	return nil
}

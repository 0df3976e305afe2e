package config

import (
	"testing"
	"time"
)

const shardBase = "backend: {type: vllm, model: m, endpoint: 'http://127.0.0.1:8000/v1'}\n"

// load.shard loads from the file and from overrides (the Indexed Job's
// way: load.shard.index=$(JOB_COMPLETION_INDEX)), and its time parses.
func TestShardLoads(t *testing.T) {
	c, err := Parse("s.yaml", []byte(shardBase+"load:\n  mode: rate\n  rate: 40\n  shard: {count: 4, start_at: '2026-05-01T10:00:00Z'}\n"),
		[]string{"load.shard.index=3"})
	if err != nil {
		t.Fatal(err)
	}
	s := c.Load.Shard
	if s == nil || s.Index != 3 || s.Count != 4 {
		t.Fatalf("shard = %+v, want index 3 of 4", s)
	}
	if want := time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC); !s.Start().Equal(want) {
		t.Errorf("Start() = %v, want %v", s.Start(), want)
	}
	// Unquoted, YAML reads the time as a timestamp: kept as written.
	c, err = Parse("s.yaml", []byte(shardBase+"load:\n  concurrency: 8\n  requests: 8\n"),
		[]string{"load.shard.count=2", "load.shard.index=0", "load.shard.start_at=2026-05-01T10:00:00+02:00"})
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Load.Shard.Start(); !got.Equal(time.Date(2026, 5, 1, 8, 0, 0, 0, time.UTC)) {
		t.Errorf("Start() = %v", got)
	}
	c, err = Parse("s.yaml", []byte(shardBase), nil)
	if err != nil || c.Load.Shard != nil {
		t.Fatalf("no load.shard: got %+v, %v; want nil", c.Load.Shard, err)
	}
}

// A share every shard can send, of a load that shards can share without
// talking to each other; each mistake at its key.
func TestShardValidation(t *testing.T) {
	at := "load.shard.start_at=2026-05-01T10:00:00Z"
	closed := shardBase + "load: {mode: concurrency, concurrency: 4, requests: 40}\n"
	for _, c := range []struct {
		yaml      string
		overrides []string
		want      string
	}{
		{closed, []string{"load.shard.count=4", "load.shard.index=4", at}, "load.shard.index: must be from 0 to load.shard.count − 1 (3), got 4"},
		{closed, []string{"load.shard.count=4", "load.shard.index=-1", at}, "load.shard.index: must be from 0 to load.shard.count − 1 (3), got -1"},
		{closed, []string{"load.shard.count=0", at}, "load.shard.count: must be at least 1, got 0"},
		{closed, []string{"load.shard.count=20000", at}, "load.shard.count: must be at most 10000"},
		{closed, []string{"load.shard.count=2"}, "load.shard.start_at: required"},
		{closed, []string{"load.shard.count=2", "load.shard.start_at=tomorrow"}, `load.shard.start_at: must be an RFC 3339 time such as 2026-05-01T10:00:00Z, got "tomorrow"`},
		{closed, []string{"load.shard.count=5", at}, "load.shard.count: 5 shards need load.concurrency 5 or more (one worker each), got 4"},
		{closed, []string{"load.shard.count=4", "load.requests=3", at}, "load.shard.count: 4 shards need load.requests 4 or more (one each), got 3"},
		{closed, []string{"load.shard.count=2", "load.mode=sequential", at}, "mode sequential sends one request at a time, which 2 shards cannot share"},
		{closed, []string{"load.shard.count=2", "sweep.concurrency=[1,8]", at}, "sweep.concurrency[0]: 2 shards need a concurrency of 2 or more (one worker each), got 1"},
		{closed, []string{"load.shard.count=2", "load.profile=light", at}, "a load profile's stages are not shared between shards"},
		{closed, []string{"load.shard.count=2", "sweep.rates_between=2", at}, "an automatic sweep (sweep.rates_between) steers by the rate one process achieves"},
		{shardBase, []string{"load.mode=rate", "load.rate=10", "load.max_concurrency=3", "load.shard.count=4", at}, "load.max_concurrency: is shared by 4 shards: set 4 or more, or 0 for no cap, got 3"},
		{"backend: {type: sim, model: m}\n", []string{"load.mode=rate", "load.rate=10", "load.shard.count=2", at}, "every shard would start its own simulator"},
		{shardBase, []string{"backend.launch=vllm serve m", "load.mode=rate", "load.rate=10", "load.shard.count=2", at}, "every shard would start its own server"},
	} {
		wantIn(t, loadErr(t, c.yaml, c.overrides...), c.want)
	}
	// What shards can share loads: an open loop with any request count,
	// a closed loop of at least a worker and a request each, a rate sweep,
	// and one shard of anything.
	for _, ok := range [][]string{
		{"load.mode=rate", "load.rate=10", "load.requests=2", "load.shard.count=4", "load.shard.index=3", at},
		{"load.mode=rate", "load.rate=10", "load.max_concurrency=0", "load.shard.count=4", at},
		{"load.concurrency=4", "load.requests=4", "load.shard.count=4", at},
		{"load.concurrency=4", "load.duration=10s", "load.requests=1", "load.shard.count=4", at},
		{"sweep.rates=[5,10]", "load.shard.count=3", at},
		{"load.mode=sequential", "load.shard.count=1", at},
	} {
		if _, err := Parse("s.yaml", []byte(shardBase), ok); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
}

package dataset

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const repo = "AIEnergyScore/text_generation"

// twoShards is a train split of 5 rows over two files, one null.
func twoShards(t *testing.T) *fakeDataset {
	return &fakeDataset{configs: []fakeConfig{{name: "default", splits: []fakeSplit{{name: "train", shards: [][]byte{
		parquetBytes(t, textRows("p0", "p1", "", "p3")),
		parquetBytes(t, textRows("p4", "p5")),
	}}}}}}
}

func hubSpec(f *fakeHub, cache string) Spec {
	return Spec{Name: repo, Hub: Hub{Endpoint: f.srv.URL, CacheDir: cache}}
}

func TestHubDownloadsThenWorksOffline(t *testing.T) {
	f := newFakeHub(t)
	f.add(repo, twoShards(t))
	cache := t.TempDir()
	var progress []int64
	spec := hubSpec(f, cache)
	spec.Hub.Progress = func(file string, done, total int64) {
		if total >= 0 && done == total {
			progress = append(progress, total)
		}
	}

	set, err := LoadSpec(context.Background(), spec)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"p0", "p1", "p3", "p4", "p5"}
	if !slices.Equal(set.Prompts, want) || set.Skipped != 1 || set.Config != "default" || set.Split != "train" || set.Column != "text" {
		t.Fatalf("online: %+v, want prompts %q, 1 skipped, default/train/text", set, want)
	}
	var paths []string
	for _, r := range f.requests() {
		paths = append(paths, r.path)
	}
	wantPaths := []string{
		"/api/datasets/AIEnergyScore/text_generation/parquet",
		"/api/datasets/AIEnergyScore/text_generation/parquet/default/train/0.parquet",
		"/datasets/AIEnergyScore/text_generation/resolve/refs%2Fconvert%2Fparquet/default/train/0000.parquet",
		"/api/datasets/AIEnergyScore/text_generation/parquet/default/train/1.parquet",
		"/datasets/AIEnergyScore/text_generation/resolve/refs%2Fconvert%2Fparquet/default/train/0001.parquet",
	}
	if !slices.Equal(paths, wantPaths) {
		t.Errorf("requests:\n%s\nwant:\n%s", strings.Join(paths, "\n"), strings.Join(wantPaths, "\n"))
	}
	if len(progress) != 2 {
		t.Errorf("progress reported %d completed files, want 2", len(progress))
	}
	dir := filepath.Join(cache, "datasets--AIEnergyScore--text_generation", "aienergy-parquet")
	for _, p := range []string{"listing.json", "default/train/0000.parquet", "default/train/0001.parquet"} {
		if _, err := os.Stat(filepath.Join(dir, p)); err != nil {
			t.Errorf("cache: %v", err)
		}
	}
	assertNoTempFiles(t, cache)

	// A second online run downloads nothing again: only the listing.
	before := len(f.requests())
	if _, err := LoadSpec(context.Background(), spec); err != nil {
		t.Fatal(err)
	}
	if got := f.requests()[before:]; len(got) != 1 || !strings.HasSuffix(got[0].path, "/parquet") {
		t.Errorf("second online run requested %v, want the listing only", got)
	}

	// With the Hub gone, the offline run reads the cache.
	f.srv.Close()
	spec.Hub.Offline = true
	set, err = LoadSpec(context.Background(), spec)
	if err != nil {
		t.Fatalf("offline: %v", err)
	}
	if !slices.Equal(set.Prompts, want) || len(set.Warnings) != 0 {
		t.Errorf("offline prompts %q warnings %q, want %q and none", set.Prompts, set.Warnings, want)
	}

	// Online with the Hub unreachable: the cached listing stands in, with a warning.
	spec.Hub.Offline = false
	set, err = LoadSpec(context.Background(), spec)
	if err != nil {
		t.Fatalf("unreachable Hub: %v", err)
	}
	if !slices.Equal(set.Prompts, want) || len(set.Warnings) != 1 || !strings.Contains(set.Warnings[0], "cannot reach the Hub") {
		t.Errorf("unreachable Hub: prompts %q warnings %q", set.Prompts, set.Warnings)
	}

	// A dataset never fetched: the error says where it looked and why.
	spec.Hub.Offline = true
	spec.Name = "other/set"
	_, err = LoadSpec(context.Background(), spec)
	wantErr := "dataset other/set is not in the cache at " + filepath.Join(cache, "datasets--other--set", "aienergy-parquet") + " and HF_HUB_OFFLINE is set"
	if err == nil || !strings.Contains(err.Error(), wantErr) {
		t.Errorf("offline, not cached: err = %v, want %q", err, wantErr)
	}
	spec.Hub.Offline = false
	if _, err = LoadSpec(context.Background(), spec); err == nil || !strings.Contains(err.Error(), "cannot reach the Hub at "+spec.Hub.Endpoint) {
		t.Errorf("online, Hub down, not cached: err = %v", err)
	}
}

// A Hub answering 5xx is down, not refusing: the cached listing serves.
func TestHubServerErrorUsesCache(t *testing.T) {
	f := newFakeHub(t)
	f.add(repo, twoShards(t))
	spec := hubSpec(f, t.TempDir())
	f.setDown(true)
	_, err := LoadSpec(context.Background(), spec)
	if err == nil || !strings.Contains(err.Error(), "cannot reach the Hub at "+f.srv.URL+": HTTP 503: upstream unavailable") {
		t.Fatalf("nothing cached: err = %v", err)
	}
	f.setDown(false)
	if _, err := LoadSpec(context.Background(), spec); err != nil {
		t.Fatal(err)
	}
	f.setDown(true)
	set, err := LoadSpec(context.Background(), spec)
	if err != nil {
		t.Fatal(err)
	}
	if len(set.Prompts) != 5 || len(set.Warnings) != 1 || !strings.Contains(set.Warnings[0], "HTTP 503") || !strings.Contains(set.Warnings[0], "using the cached listing") {
		t.Errorf("prompts %d warnings %q", len(set.Prompts), set.Warnings)
	}
}

// An offline run that needs a shard the online run did not fetch names it.
func TestHubOfflineMissingShard(t *testing.T) {
	f := newFakeHub(t)
	f.add(repo, twoShards(t))
	cache := t.TempDir()
	spec := hubSpec(f, cache)
	spec.NumSamples = 2
	if _, err := LoadSpec(context.Background(), spec); err != nil {
		t.Fatal(err)
	}
	spec.Hub.Offline, spec.NumSamples = true, 5
	_, err := LoadSpec(context.Background(), spec)
	want := filepath.Join("default", "train", "0001.parquet") + " and HF_HUB_OFFLINE is set"
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("err = %v, want it to contain %q", err, want)
	}
}

func TestHubFetchesOnlyNeededShards(t *testing.T) {
	tests := []struct {
		name       string
		num        int
		shuffle    bool
		wantShards int
		wantRows   int
	}{
		{"first rows come from shard 0", 3, false, 1, 3},
		{"more rows than shard 0 has", 4, false, 2, 4}, // reading stops at the sample
		{"all rows", 0, false, 2, 5},
		{"shuffle reads every shard", 1, true, 2, 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeHub(t)
			f.add(repo, twoShards(t))
			spec := hubSpec(f, t.TempDir())
			spec.NumSamples, spec.Shuffle = tt.num, tt.shuffle
			set, err := LoadSpec(context.Background(), spec)
			if err != nil {
				t.Fatal(err)
			}
			files := 0
			for _, r := range f.requests() {
				if strings.Contains(r.path, "/resolve/") {
					files++
				}
			}
			if files != tt.wantShards || set.Rows != tt.wantRows {
				t.Errorf("fetched %d files, %d rows; want %d, %d", files, set.Rows, tt.wantShards, tt.wantRows)
			}
		})
	}
}

func TestHubGatedAndToken(t *testing.T) {
	f := newFakeHub(t)
	d := twoShards(t)
	d.token = "hf_right"
	f.add("org/gated", d)
	tests := []struct {
		name, token, wantErr string
	}{
		{"no token", "", "dataset org/gated is gated: accept its terms at " + f.srv.URL + "/datasets/org/gated and set HF_TOKEN"},
		{"token without access", "hf_wrong", "dataset org/gated is gated and HF_TOKEN was refused (HTTP 403): accept its terms at " + f.srv.URL + "/datasets/org/gated"},
		{"token with access", "hf_right", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cache := t.TempDir()
			spec := hubSpec(f, cache)
			spec.Name, spec.Hub.Token = "org/gated", tt.token
			before := len(f.requests())
			set, err := LoadSpec(context.Background(), spec)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				if _, err := os.Stat(shardPath(datasetCacheDir(cache, "org/gated"), "default", "train", 0)); err == nil {
					t.Error("a refused download left a file in the cache")
				}
				assertNoTempFiles(t, cache)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(set.Prompts) != 5 {
				t.Errorf("got %d prompts, want 5", len(set.Prompts))
			}
			reqs := f.requests()[before:]
			if len(reqs) != 5 {
				t.Errorf("%d requests, want 5", len(reqs))
			}
			for _, r := range reqs { // the redirect keeps the header: same host
				if r.auth != "Bearer hf_right" {
					t.Errorf("%s sent Authorization %q, want Bearer hf_right", r.path, r.auth)
				}
			}
		})
	}
}

func TestHubNotFound(t *testing.T) {
	f := newFakeHub(t)
	spec := hubSpec(f, t.TempDir())
	spec.Name = "nobody/nothing"
	_, err := LoadSpec(context.Background(), spec)
	want := "dataset nobody/nothing not found at " + f.srv.URL + ": check the name"
	if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "a private dataset also needs HF_TOKEN") {
		t.Errorf("err = %v, want %q and the HF_TOKEN hint", err, want)
	}
}

// Broken downloads leave nothing in the cache and say what happened.
func TestHubBadDownloads(t *testing.T) {
	good := parquetBytes(t, textRows("p0", "p1"))
	tests := []struct {
		name     string
		body     []byte
		declared int
		wantErr  string
	}{
		{"cut short", good[:len(good)/2], len(good), "unexpected EOF"},
		{"not parquet", []byte("<html>mirror error page</html>"), 30, "the downloaded file is not Parquet (30 bytes)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeHub(t)
			d := twoShards(t)
			d.body, d.declared = tt.body, tt.declared
			f.add(repo, d)
			cache := t.TempDir()
			_, err := LoadSpec(context.Background(), hubSpec(f, cache))
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.Contains(err.Error(), "run again") {
				t.Fatalf("err = %v, want %q", err, tt.wantErr)
			}
			if _, err := os.Stat(shardPath(datasetCacheDir(cache, repo), "default", "train", 0)); err == nil {
				t.Error("a broken download was left in the cache")
			}
			assertNoTempFiles(t, cache)
		})
	}
}

func TestHubTextColumn(t *testing.T) {
	f := newFakeHub(t)
	f.add("org/prompts", &fakeDataset{configs: []fakeConfig{{name: "default", splits: []fakeSplit{{name: "test", shards: [][]byte{
		parquetBytes(t, []promptRow{{1, "q1"}, {2, "q2"}}),
	}}}}}})
	spec := hubSpec(f, t.TempDir())
	spec.Name = "org/prompts"
	set, err := LoadSpec(context.Background(), spec)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(set.Prompts, []string{"q1", "q2"}) || set.Column != "prompt" || set.Split != "test" {
		t.Errorf("got %q column %q split %q; want q1 q2 from prompt, split test", set.Prompts, set.Column, set.Split)
	}
	spec.TextColumn = "question"
	_, err = LoadSpec(context.Background(), spec)
	if err == nil || !strings.Contains(err.Error(), `has no column "question"; set scenario.text_column_name to one of: id, prompt`) {
		t.Errorf("err = %v", err)
	}
}

// HF_ENDPOINT points every request at the mirror, though the listing's
// URLs name huggingface.co.
func TestHubEndpointFromEnv(t *testing.T) {
	f := newFakeHub(t)
	f.add(repo, twoShards(t))
	home := t.TempDir()
	env := map[string]string{"HF_ENDPOINT": f.srv.URL + "/", "HF_HOME": home, "HF_TOKEN": "hf_x"}
	hub := HubFromEnv(func(k string) string { return env[k] })
	set, err := LoadSpec(context.Background(), Spec{Name: repo, Hub: hub})
	if err != nil {
		t.Fatal(err)
	}
	if len(set.Prompts) != 5 || len(f.requests()) != 5 {
		t.Errorf("%d prompts from %d mirror requests, want 5 and 5", len(set.Prompts), len(f.requests()))
	}
	if f.requests()[0].auth != "Bearer hf_x" {
		t.Errorf("Authorization = %q, want Bearer hf_x", f.requests()[0].auth)
	}
	if _, err := os.Stat(filepath.Join(home, "hub", "datasets--AIEnergyScore--text_generation", "aienergy-parquet", "listing.json")); err != nil {
		t.Errorf("cache under HF_HOME/hub: %v", err)
	}
}

func TestHubFromEnv(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want Hub
	}{
		{"defaults", map[string]string{"HOME": "/home/u"}, Hub{Endpoint: DefaultEndpoint, CacheDir: "/home/u/.cache/huggingface/hub"}},
		{"XDG", map[string]string{"HOME": "/home/u", "XDG_CACHE_HOME": "/xdg"}, Hub{Endpoint: DefaultEndpoint, CacheDir: "/xdg/huggingface/hub"}},
		{"HF_HOME over XDG", map[string]string{"XDG_CACHE_HOME": "/xdg", "HF_HOME": "/hf"}, Hub{Endpoint: DefaultEndpoint, CacheDir: "/hf/hub"}},
		{"HF_HUB_CACHE over HF_HOME", map[string]string{"HF_HOME": "/hf", "HF_HUB_CACHE": "/cache"}, Hub{Endpoint: DefaultEndpoint, CacheDir: "/cache"}},
		{"tilde", map[string]string{"HOME": "/home/u", "HF_HOME": "~/hf"}, Hub{Endpoint: DefaultEndpoint, CacheDir: "/home/u/hf/hub"}},
		{"mirror, token, offline", map[string]string{"HF_ENDPOINT": "https://hf-mirror.example/", "HF_TOKEN": " hf_abc\n", "HF_HUB_OFFLINE": "1", "HF_HUB_CACHE": "/c"},
			Hub{Endpoint: "https://hf-mirror.example", Token: "hf_abc", Offline: true, CacheDir: "/c"}},
		{"offline words", map[string]string{"HF_HUB_OFFLINE": "True", "HF_HUB_CACHE": "/c"}, Hub{Endpoint: DefaultEndpoint, Offline: true, CacheDir: "/c"}},
		{"offline 0", map[string]string{"HF_HUB_OFFLINE": "0", "HF_HUB_CACHE": "/c"}, Hub{Endpoint: DefaultEndpoint, CacheDir: "/c"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := HubFromEnv(func(k string) string { return tt.env[k] })
			if got.Endpoint != tt.want.Endpoint || got.Token != tt.want.Token || got.Offline != tt.want.Offline || got.CacheDir != tt.want.CacheDir {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestHubBadNames(t *testing.T) {
	for _, name := range []string{"a/b/c", "org--x/y", "org/../etc", "-org/x", "org/x.", "white space"} {
		_, err := LoadSpec(context.Background(), Spec{Name: name, Hub: Hub{CacheDir: t.TempDir()}})
		if err == nil || !strings.Contains(err.Error(), "Hugging Face dataset id such as AIEnergyScore/text_generation") {
			t.Errorf("%q: err = %v", name, err)
		}
	}
	_, err := LoadSpec(context.Background(), Spec{Name: "org/x", Hub: Hub{}})
	if err == nil || !strings.Contains(err.Error(), "no Hugging Face cache folder; set HF_HUB_CACHE or HF_HOME") {
		t.Errorf("no cache dir: err = %v", err)
	}
}

func assertNoTempFiles(t *testing.T, root string) {
	t.Helper()
	filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err == nil && strings.Contains(d.Name(), ".tmp-") {
			t.Errorf("temporary file left behind: %s", p)
		}
		return nil
	})
}

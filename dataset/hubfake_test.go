package dataset

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// fakeHub serves a dataset's Parquet files at the Hub's URLs:
//
//	/api/datasets/{repo}/parquet                              the listing
//	/api/datasets/{repo}/parquet/{config}/{split}/{n}.parquet  302 to the file
//	/datasets/{repo}/resolve/refs%2Fconvert%2Fparquet/{config}/{split}/{nnnn}.parquet
//
// An unknown repo gets 401 with X-Error-Code RepoNotFound, and a gated
// one's files 401 (no token) or 403 (wrong token) with GatedRepo, as the
// Hub answers.
type fakeHub struct {
	srv      *httptest.Server
	mu       sync.Mutex
	datasets map[string]*fakeDataset
	log      []fakeRequest
	down     bool // answer 503 to everything
}

type fakeRequest struct {
	path, auth string
}

type fakeDataset struct {
	configs []fakeConfig
	token   string // non-empty: gated, this token has access
	// body, when set, replaces a file's bytes: declared is the
	// Content-Length sent (to cut a download short).
	body     []byte
	declared int
}

type fakeConfig struct {
	name   string
	splits []fakeSplit
}

type fakeSplit struct {
	name   string
	shards [][]byte
}

func newFakeHub(t *testing.T) *fakeHub {
	f := &fakeHub{datasets: map[string]*fakeDataset{}}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeHub) add(repo string, d *fakeDataset) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.datasets[repo] = d
}

func (f *fakeHub) setDown(down bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.down = down
}

// requests returns the requests seen, in order, with escaped paths.
func (f *fakeHub) requests() []fakeRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]fakeRequest(nil), f.log...)
}

func (f *fakeHub) serve(w http.ResponseWriter, r *http.Request) {
	p := r.URL.EscapedPath()
	f.mu.Lock()
	f.log = append(f.log, fakeRequest{path: p, auth: r.Header.Get("Authorization")})
	down := f.down
	f.mu.Unlock()
	if down {
		http.Error(w, "upstream unavailable", http.StatusServiceUnavailable)
		return
	}
	if r.Method != http.MethodGet {
		http.Error(w, "GET only", http.StatusMethodNotAllowed)
		return
	}
	const resolve = "/resolve/refs%2Fconvert%2Fparquet/"
	switch {
	case strings.HasPrefix(p, "/api/datasets/"):
		rest := strings.TrimPrefix(p, "/api/datasets/")
		repo, tail, _ := strings.Cut(rest, "/parquet")
		d := f.dataset(w, repo)
		if d == nil {
			return
		}
		if tail == "" {
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, d.listingJSON(repo))
			return
		}
		// /{config}/{split}/{n}.parquet → the file on the conversion branch.
		parts := strings.Split(strings.TrimPrefix(tail, "/"), "/")
		n, err := strconv.Atoi(strings.TrimSuffix(parts[len(parts)-1], ".parquet"))
		if len(parts) != 3 || err != nil {
			http.Error(w, "bad shard URL", http.StatusBadRequest)
			return
		}
		http.Redirect(w, r, fmt.Sprintf("/datasets/%s%s%s/%s/%04d.parquet", repo, resolve, parts[0], parts[1], n), http.StatusFound)
	case strings.HasPrefix(p, "/datasets/") && strings.Contains(p, resolve):
		repo, file, _ := strings.Cut(strings.TrimPrefix(p, "/datasets/"), resolve)
		d := f.dataset(w, repo)
		if d == nil {
			return
		}
		if d.token != "" {
			auth := r.Header.Get("Authorization")
			w.Header().Set("X-Error-Code", "GatedRepo")
			if auth == "" {
				w.Header().Set("X-Error-Message", "Access to dataset "+repo+" is restricted. You must have access to it and be authenticated to access it. Please log in.")
				http.Error(w, "gated", http.StatusUnauthorized)
				return
			}
			if auth != "Bearer "+d.token {
				w.Header().Set("X-Error-Message", "Access to dataset "+repo+" is restricted and you are not in the authorized list.")
				http.Error(w, "gated", http.StatusForbidden)
				return
			}
			w.Header().Del("X-Error-Code")
		}
		b := d.file(file)
		if b == nil {
			w.Header().Set("X-Error-Code", "EntryNotFound")
			http.Error(w, "Entry not found", http.StatusNotFound)
			return
		}
		declared := len(b)
		if d.body != nil {
			b, declared = d.body, d.declared
		}
		w.Header().Set("Content-Length", strconv.Itoa(declared))
		w.Write(b)
	default:
		http.NotFound(w, r)
	}
}

func (f *fakeHub) dataset(w http.ResponseWriter, repo string) *fakeDataset {
	f.mu.Lock()
	d := f.datasets[repo]
	f.mu.Unlock()
	if d == nil {
		w.Header().Set("X-Error-Code", "RepoNotFound")
		w.Header().Set("X-Error-Message", "Repository not found")
		http.Error(w, `{"error":"Repository not found"}`, http.StatusUnauthorized)
	}
	return d
}

// listingJSON is the Hub's answer, configs and splits in our order. The
// URLs name huggingface.co as the real Hub's do: a client on a mirror
// must not follow them.
func (d *fakeDataset) listingJSON(repo string) string {
	var b strings.Builder
	b.WriteString("{")
	for i, c := range d.configs {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, "%q:{", c.name)
		for j, s := range c.splits {
			if j > 0 {
				b.WriteString(",")
			}
			var urls []string
			for n := range s.shards {
				urls = append(urls, strconv.Quote(fmt.Sprintf("https://huggingface.co/api/datasets/%s/parquet/%s/%s/%d.parquet", repo, c.name, s.name, n)))
			}
			fmt.Fprintf(&b, "%q:[%s]", s.name, strings.Join(urls, ","))
		}
		b.WriteString("}")
	}
	b.WriteString("}")
	return b.String()
}

// file finds "{config}/{split}/{nnnn}.parquet".
func (d *fakeDataset) file(name string) []byte {
	for _, c := range d.configs {
		for _, s := range c.splits {
			for n, b := range s.shards {
				if name == fmt.Sprintf("%s/%s/%04d.parquet", c.name, s.name, n) {
					return b
				}
			}
		}
	}
	return nil
}

package dataset

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
)

// repoIDPattern is huggingface_hub's rule for a repo id: "name" or
// "owner/name" of letters, digits, '-', '_' and '.'.
var repoIDPattern = regexp.MustCompile(`^([A-Za-z0-9_.-]+/)?[A-Za-z0-9_.-]+$`)

// validRepoID also refuses what huggingface_hub refuses: "--", "..",
// names over 96 characters and leading or trailing '-' or '.'.
func validRepoID(id string) bool {
	if !repoIDPattern.MatchString(id) || len(id) > 96 || strings.Contains(id, "--") || strings.Contains(id, "..") {
		return false
	}
	for _, part := range strings.Split(id, "/") {
		if strings.Trim(part, "-.") != part {
			return false
		}
	}
	return true
}

// loadHub reads a Hub dataset's text column from its Parquet files,
// through the cache.
func loadHub(ctx context.Context, repo string, spec Spec) (*Set, error) {
	if !validRepoID(repo) {
		return nil, fmt.Errorf("dataset %q is not %s, synthetic:<tokens>, a .jsonl/.csv/.parquet file or a Hugging Face dataset id such as AIEnergyScore/text_generation", repo, BuiltinName)
	}
	h := spec.Hub
	if h.CacheDir == "" {
		return nil, fmt.Errorf("dataset %s: no Hugging Face cache folder; set HF_HUB_CACHE or HF_HOME", repo)
	}
	dir := datasetCacheDir(h.CacheDir, repo)
	set := &Set{Source: repo}
	l, err := h.listing(ctx, repo, dir, set)
	if err != nil {
		return nil, err
	}
	cfg, split, err := l.table(repo, spec.Config, spec.Split)
	if err != nil {
		return nil, err
	}
	set.Config, set.Split = cfg.name, split.name
	// The shards read as one table, each fetched only when reached: without
	// a shuffle the first rows are the sample, so later shards are only
	// fetched when the earlier ones hold too few rows.
	rows := func(yield func(string) bool) (table, error) {
		var t table
		more := true
		for i := 0; i < len(split.urls) && more; i++ {
			path := shardPath(dir, cfg.name, split.name, i)
			if err := h.shard(ctx, repo, cfg.name, split.name, i, path); err != nil {
				return t, err
			}
			one, err := readParquet(path, spec.TextColumn, func(s string) bool { more = yield(s); return more })
			if err != nil {
				return t, fmt.Errorf("dataset %s: %w", repo, err)
			}
			if t.column != "" && one.column != t.column {
				return t, fmt.Errorf("dataset %s: shard %d's text column is %q, earlier shards' %q", repo, i, one.column, t.column)
			}
			t.column = one.column
			t.skipped += one.skipped
		}
		return t, nil
	}
	set, err = collect(set, rows, spec)
	if err != nil {
		return nil, err
	}
	if len(set.Prompts) == 0 {
		return nil, fmt.Errorf("dataset %s (config %s, split %s): no prompts in column %q (%d null or empty values)",
			repo, cfg.name, split.name, set.Column, set.Skipped)
	}
	return set, nil
}

// listing gets the dataset's Parquet listing from the Hub and caches it;
// offline, or when the Hub cannot be reached, the cached one is used.
func (h Hub) listing(ctx context.Context, repo, dir string, set *Set) (listing, error) {
	cached := listingPath(dir)
	if h.Offline {
		body, err := os.ReadFile(cached)
		if err != nil {
			return nil, notCached(repo, dir)
		}
		return parseCachedListing(cached, body)
	}
	resp, err := h.hubGet(ctx, repo, h.listingURL(repo), true)
	var unreachable *unreachableError
	if errors.As(err, &unreachable) {
		if body, rerr := os.ReadFile(cached); rerr == nil {
			set.Warnings = append(set.Warnings, fmt.Sprintf("%v; using the cached listing from %s", err, cached))
			return parseCachedListing(cached, body)
		}
	}
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return nil, &unreachableError{repo: repo, endpoint: h.endpoint(), err: err}
	}
	l, err := parseListing(body)
	if err != nil {
		return nil, fmt.Errorf("dataset %s: %s: %w", repo, h.listingURL(repo), err)
	}
	if _, err := writeAtomic(cached, strings.NewReader(string(body)), nil); err != nil {
		return nil, fmt.Errorf("dataset %s: caching the listing in %s: %w", repo, dir, err)
	}
	return l, nil
}

func parseCachedListing(path string, body []byte) (listing, error) {
	l, err := parseListing(body)
	if err != nil {
		return nil, fmt.Errorf("cached listing %s: %w (delete it to fetch it again)", path, err)
	}
	return l, nil
}

// shard makes sure shard i is in the cache at path.
func (h Hub) shard(ctx context.Context, repo, config, split string, i int, path string) error {
	if _, err := os.Stat(path); err == nil {
		return nil
	}
	if h.Offline {
		return notCached(repo, path)
	}
	return h.download(ctx, repo, h.shardURL(repo, config, split, i), path)
}

func notCached(repo, path string) error {
	return fmt.Errorf("dataset %s is not in the cache at %s and HF_HUB_OFFLINE is set; run once online, or unset HF_HUB_OFFLINE", repo, path)
}

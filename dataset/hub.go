package dataset

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
)

// DefaultEndpoint is the Hugging Face Hub's address.
const DefaultEndpoint = "https://huggingface.co"

// Hub says how to reach the Hugging Face Hub and where its files are
// cached. HubFromEnv fills it the way huggingface_hub reads the
// environment; the zero value uses the public Hub and no cache folder
// (an error if a Hub dataset is asked for).
type Hub struct {
	// Endpoint is the Hub or a mirror, without a trailing slash.
	Endpoint string
	// Token, when set, is sent as a bearer token.
	Token string
	// CacheDir is the hub cache folder (HF_HUB_CACHE).
	CacheDir string
	// Offline uses the cache only.
	Offline bool
	// Client makes the requests; nil means http.DefaultClient.
	Client *http.Client
	// Progress, when set, is called as a file downloads: done bytes of
	// total (-1 when the server does not say).
	Progress func(file string, done, total int64)
}

// HubFromEnv reads HF_ENDPOINT, HF_TOKEN, HF_HUB_OFFLINE, HF_HUB_CACHE,
// HF_HOME and XDG_CACHE_HOME through getenv (nil: os.Getenv).
func HubFromEnv(getenv func(string) string) Hub {
	if getenv == nil {
		getenv = os.Getenv
	}
	h := Hub{
		Endpoint: strings.TrimRight(strings.TrimSpace(getenv("HF_ENDPOINT")), "/"),
		Token:    strings.TrimSpace(getenv("HF_TOKEN")),
		Offline:  envTrue(getenv("HF_HUB_OFFLINE")),
		CacheDir: hubCacheDir(getenv),
	}
	if h.Endpoint == "" {
		h.Endpoint = DefaultEndpoint
	}
	return h
}

// envTrue is huggingface_hub's reading of a boolean variable.
func envTrue(v string) bool {
	switch strings.ToUpper(strings.TrimSpace(v)) {
	case "1", "ON", "YES", "TRUE":
		return true
	}
	return false
}

// hubCacheDir follows huggingface_hub: HF_HUB_CACHE, else HF_HOME/hub,
// else $XDG_CACHE_HOME/huggingface/hub, else ~/.cache/huggingface/hub.
func hubCacheDir(getenv func(string) string) string {
	if d := getenv("HF_HUB_CACHE"); d != "" {
		return expandHome(d, getenv)
	}
	if d := getenv("HF_HOME"); d != "" {
		return filepath.Join(expandHome(d, getenv), "hub")
	}
	if d := getenv("XDG_CACHE_HOME"); d != "" {
		return filepath.Join(expandHome(d, getenv), "huggingface", "hub")
	}
	home := getenv("HOME")
	if home == "" {
		return ""
	}
	return filepath.Join(home, ".cache", "huggingface", "hub")
}

// expandHome expands a leading ~, as huggingface_hub does.
func expandHome(p string, getenv func(string) string) string {
	if p == "~" || strings.HasPrefix(p, "~/") {
		if home := getenv("HOME"); home != "" {
			return filepath.Join(home, p[1:])
		}
	}
	return p
}

func (h Hub) client() *http.Client {
	if h.Client != nil {
		return h.Client
	}
	return http.DefaultClient
}

func (h Hub) endpoint() string {
	if h.Endpoint == "" {
		return DefaultEndpoint
	}
	return strings.TrimRight(h.Endpoint, "/")
}

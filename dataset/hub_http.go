package dataset

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// hubGet sends a GET with the token and maps the Hub's refusals to
// errors that say what to do. The caller closes the body.
func (h Hub) hubGet(ctx context.Context, repo, u string, isListing bool) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, fmt.Errorf("dataset %s: bad Hub URL %q (check HF_ENDPOINT): %v", repo, u, err)
	}
	if h.Token != "" {
		req.Header.Set("Authorization", "Bearer "+h.Token)
	}
	resp, err := h.client().Do(req)
	if err != nil {
		return nil, &unreachableError{repo: repo, endpoint: h.endpoint(), err: err}
	}
	if resp.StatusCode/100 == 2 {
		return resp, nil
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	if resp.StatusCode >= 500 {
		// The Hub is down rather than refusing: a cached listing may serve.
		return nil, &unreachableError{repo: repo, endpoint: h.endpoint(),
			err: fmt.Errorf("HTTP %d: %s", resp.StatusCode, errorDetail(resp, body))}
	}
	return nil, h.statusError(repo, u, isListing, resp, body)
}

// unreachableError is a failure to talk to the Hub at all, after which a
// cached listing may stand in.
type unreachableError struct {
	repo, endpoint string
	err            error
}

func (e *unreachableError) Error() string {
	return fmt.Sprintf("dataset %s: cannot reach the Hub at %s: %v (set HF_ENDPOINT to a mirror, or HF_HUB_OFFLINE=1 to use the cache)",
		e.repo, e.endpoint, e.err)
}

func (e *unreachableError) Unwrap() error { return e.err }

// statusError reads the Hub's X-Error-Code header as huggingface_hub
// does: GatedRepo, RepoNotFound, or the bare status. A 404 for the
// listing means the dataset does not exist; for a shard, the file.
func (h Hub) statusError(repo, u string, isListing bool, resp *http.Response, body []byte) error {
	code := resp.Header.Get("X-Error-Code")
	msg := resp.Header.Get("X-Error-Message")
	page := h.endpoint() + "/datasets/" + repo
	status := resp.StatusCode
	switch {
	case code == "GatedRepo" || (code == "" && (status == 401 || status == 403)):
		if h.Token == "" {
			return fmt.Errorf("dataset %s is gated: accept its terms at %s and set HF_TOKEN", repo, page)
		}
		if msg == "Invalid credentials in Authorization header" {
			return fmt.Errorf("dataset %s: the Hub refused HF_TOKEN as invalid (HTTP %d); create a token at %s/settings/tokens",
				repo, status, h.endpoint())
		}
		return fmt.Errorf("dataset %s is gated and HF_TOKEN was refused (HTTP %d): accept its terms at %s with the account the token belongs to",
			repo, status, page)
	case code == "RepoNotFound" || (status == 404 && isListing):
		hint := ""
		if h.Token == "" {
			hint = "; a private dataset also needs HF_TOKEN"
		}
		return fmt.Errorf("dataset %s not found at %s: check the name (owner/name, as on %s/datasets)%s; a local file needs the file: prefix",
			repo, h.endpoint(), h.endpoint(), hint)
	case code == "EntryNotFound" || code == "RevisionNotFound" || status == 404:
		return fmt.Errorf("dataset %s: the Hub has no file at %s (HTTP %d); it may still be converting the dataset to Parquet, try again later", repo, u, status)
	case status == 429:
		return fmt.Errorf("dataset %s: the Hub is rate-limiting requests (HTTP 429); wait and run again, or set HF_TOKEN for a higher limit", repo)
	}
	return fmt.Errorf("dataset %s: the Hub answered HTTP %d for %s: %s", repo, status, u, errorDetail(resp, body))
}

// errorDetail is the Hub's X-Error-Message, else the start of the body.
func errorDetail(resp *http.Response, body []byte) string {
	if msg := resp.Header.Get("X-Error-Message"); msg != "" {
		return msg
	}
	return strings.TrimSpace(string(body))
}

// listingURL is the Hub API that lists a dataset's Parquet files.
func (h Hub) listingURL(repo string) string {
	return h.endpoint() + "/api/datasets/" + repo + "/parquet"
}

// shardURL is the Hub API's shard-index URL, which redirects to the file
// on the refs/convert/parquet branch.
func (h Hub) shardURL(repo, config, split string, i int) string {
	return h.endpoint() + "/api/datasets/" + repo + "/parquet/" +
		url.PathEscape(config) + "/" + url.PathEscape(split) + "/" + strconv.Itoa(i) + ".parquet"
}

// download fetches u into path atomically, checking that the whole file
// came and that it is Parquet.
func (h Hub) download(ctx context.Context, repo, u, path string) error {
	resp, err := h.hubGet(ctx, repo, u, false)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var body io.Reader = resp.Body
	if h.Progress != nil {
		body = &progressReader{r: resp.Body, total: resp.ContentLength, report: func(done, total int64) {
			h.Progress(path, done, total)
		}}
	}
	n, err := writeAtomic(path, body, func(tmp string, n int64) error {
		if resp.ContentLength >= 0 && n != resp.ContentLength {
			return fmt.Errorf("got %d of %d bytes", n, resp.ContentLength)
		}
		return checkParquetMagic(tmp)
	})
	if err != nil {
		return fmt.Errorf("dataset %s: download of %s failed after %d bytes: %v; run again", repo, u, n, err)
	}
	return nil
}

type progressReader struct {
	r      io.Reader
	done   int64
	total  int64
	report func(done, total int64)
}

func (p *progressReader) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	p.done += int64(n)
	if n > 0 || errors.Is(err, io.EOF) {
		p.report(p.done, p.total)
	}
	return n, err
}

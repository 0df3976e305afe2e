package meter

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/aienergy/aienergy/internal/httpx"
	"github.com/aienergy/aienergy/internal/redact"
	"github.com/aienergy/aienergy/internal/suggest"
)

// The "exporter" meter scrapes a Prometheus text endpoint: dcgm-exporter
// (:9400/metrics), Kepler, node_exporter's rapl collector, aienergy's own
// simulator, or any exporter described with metrics:.
//
//	meters:
//	  gpu:
//	    type: exporter
//	    url: http://localhost:9400/metrics
//	    preset: dcgm                  # dcgm (default) | kepler | node_rapl | custom
//	    timeout: 2s
//	    labels: {Hostname: node-1}    # every series must carry these labels
//	    headers: {Authorization: "Bearer …"}
//	    metrics:                      # extra metrics (all of them with preset: custom)
//	      - name: DCGM_FI_DEV_POWER_USAGE_INSTANT
//	        kind: power               # power | energy
//	        unit: W                   # W mW uW kW | J mJ uJ kJ Wh kWh
//	        component: gpu            # gpu | cpu | dram | wall | other
//	        channel_label: gpu        # channel = channel_prefix + this label's value
//	        channel_prefix: gpu-instant
//	        labels: {}                # extra matcher for this metric
//	        sum: false                # add up series that land on one channel
func init() { Register("exporter", newExporter) }

const (
	defaultScrapeTimeout = 2 * time.Second
	maxScrapeBytes       = 32 << 20 // far above any real scrape; stops a runaway body
	acceptText           = "text/plain;version=0.0.4;q=1,*/*;q=0.1"
)

type exporter struct {
	name    string
	url     string
	shown   string // url with any password hidden, for messages
	timeout time.Duration
	headers map[string]string
	red     *redact.Redactor // the headers' values and url's password, kept out of messages
	labels  map[string]string
	preset  preset
	rules   []metricRule
	want    map[string]bool // metric names the rules read
	metrics []string        // the same, sorted, for messages

	client    *http.Client
	transport *http.Transport

	mu  sync.Mutex // guards buf and gpus; Read is safe to call concurrently
	buf bytes.Buffer
	// gpus maps GPU channels to the model dcgm-exporter names in its
	// modelName label, from the latest scrape.
	gpus map[string]string
}

var exporterKeys = []string{"url", "preset", "timeout", "metrics", "labels", "headers"}

func newExporter(spec Spec) (Opener, error) {
	if err := spec.CheckKeys(exporterKeys...); err != nil {
		return nil, err
	}
	e := &exporter{name: spec.Name}
	var err error
	if e.url, e.shown, err = scrapeURL(spec); err != nil {
		return nil, err
	}
	if e.timeout, err = spec.Duration("timeout", defaultScrapeTimeout); err != nil {
		return nil, err
	}
	if e.labels, err = spec.StringMap("labels"); err != nil {
		return nil, err
	}
	if e.headers, err = spec.StringMap("headers"); err != nil {
		return nil, err
	}
	secrets := redact.URLSecrets(e.url)
	for _, v := range e.headers {
		secrets = append(secrets, v)
	}
	e.red = redact.New(secrets...)
	custom, err := customRules(spec)
	if err != nil {
		return nil, err
	}
	presetName := "dcgm"
	if len(custom) > 0 {
		presetName = "custom"
	}
	if presetName, err = spec.String("preset", presetName); err != nil {
		return nil, err
	}
	p, ok := presets[presetName]
	if !ok {
		names := presetNames()
		msg := fmt.Sprintf("unknown preset %q", presetName)
		if s := suggest.Nearest(presetName, names); s != "" {
			msg += fmt.Sprintf("; did you mean %q?", s)
		}
		return nil, spec.Errorf("preset", "%s (presets: %s)", msg, strings.Join(names, ", "))
	}
	if presetName == "custom" && len(custom) == 0 {
		return nil, spec.Errorf("metrics", "preset custom needs metrics: to say what to read")
	}
	e.preset = p
	e.rules = append(append([]metricRule(nil), p.rules...), custom...)
	e.want = map[string]bool{}
	for _, r := range e.rules {
		if !e.want[r.metric] {
			e.want[r.metric] = true
			e.metrics = append(e.metrics, r.metric)
		}
	}
	sort.Strings(e.metrics)

	e.transport = http.DefaultTransport.(*http.Transport).Clone()
	e.transport.MaxIdleConnsPerHost = 2 // keep-alive: one connection reused per scrape
	e.client = &http.Client{Transport: e.transport}
	return Ready(e), nil
}

// scrapeURL returns the url option and the form of it to show in messages.
func scrapeURL(spec Spec) (raw, shown string, err error) {
	raw, err = spec.RequiredString("url")
	if err != nil {
		return "", "", err
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", "", spec.Errorf("url", "want an http:// or https:// URL such as http://localhost:9400/metrics, got %q", raw)
	}
	return raw, u.Redacted(), nil
}

func presetNames() []string {
	names := make([]string, 0, len(presets))
	for n := range presets {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

var metricKeys = []string{"name", "kind", "unit", "component", "channel", "channel_label", "channel_prefix", "labels", "sum"}

// customRules decodes the metrics: list.
func customRules(spec Spec) ([]metricRule, error) {
	items, err := spec.List("metrics")
	if err != nil {
		return nil, err
	}
	rules := make([]metricRule, 0, len(items))
	for _, o := range items {
		r, err := customRule(o)
		if err != nil {
			return nil, err
		}
		rules = append(rules, r)
	}
	return rules, nil
}

func customRule(o OptionSet) (metricRule, error) {
	var r metricRule
	if err := o.CheckKeys(metricKeys...); err != nil {
		return r, err
	}
	var err error
	if r.metric, err = o.RequiredString("name"); err != nil {
		return r, err
	}
	if r.quantity, r.scale, r.component, err = o.Measure(); err != nil {
		return r, err
	}
	if r.channel, err = o.String("channel", ""); err != nil {
		return r, err
	}
	if r.channelLabel, err = o.String("channel_label", ""); err != nil {
		return r, err
	}
	if r.channelPrefix, err = o.String("channel_prefix", ""); err != nil {
		return r, err
	}
	switch {
	case r.channelLabel != "" && r.channel != "":
		return r, o.Errorf("channel", "set channel (a fixed name) or channel_label (a name per series), not both")
	case r.channelLabel == "" && r.channelPrefix != "":
		return r, o.Errorf("channel_prefix", "only means something with channel_label")
	case r.channelLabel == "" && r.channel == "":
		r.channel = SanitizeChannel(r.metric)
	}
	for key, name := range map[string]string{"channel": r.channel, "channel_prefix": r.channelPrefix} {
		if !ValidChannelName(name) {
			return r, o.Errorf(key, "%q may hold only letters, digits, '-', '_' and '.'", name)
		}
	}
	if r.match, err = o.StringMap("labels"); err != nil {
		return r, err
	}
	if r.sum, err = o.Bool("sum", false); err != nil {
		return r, err
	}
	return r, nil
}

func (e *exporter) Name() string { return e.name }

// Close drops the kept-alive connection.
func (e *exporter) Close() error {
	e.transport.CloseIdleConnections()
	return nil
}

// Read scrapes the endpoint once and returns one reading per channel.
func (e *exporter) Read(ctx context.Context) ([]Reading, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	body, err := e.scrape(ctx)
	if err != nil {
		return nil, err
	}
	samples, err := parseExposition(body, e.want)
	if err != nil {
		return nil, fmt.Errorf("scraped %s but could not parse it: %w", e.shown, err)
	}
	readings, summary, err := collect(samples, e.rules, e.labels)
	if err != nil {
		return nil, fmt.Errorf("scraped %s: %w", e.shown, err)
	}
	if len(readings) == 0 {
		return nil, errors.New(summary.explain(e.shown, e.metrics, e.labels, e.preset))
	}
	for i := range readings {
		readings[i].Meter = e.name
	}
	e.gpus = gpuModelLabels(samples, e.rules, e.labels)
	return readings, nil
}

// gpuModelLabels reads, for every GPU channel, the modelName label that
// dcgm-exporter puts on its series ("NVIDIA H100 80GB HBM3").
func gpuModelLabels(samples []promSample, rules []metricRule, labels map[string]string) map[string]string {
	out := map[string]string{}
	for i := range samples {
		s := &samples[i]
		model := ""
		for _, l := range s.labels {
			if l.name == "modelName" {
				model = l.value
			}
		}
		if model == "" || !labelsMatch(s, labels) {
			continue
		}
		for j := range rules {
			r := &rules[j]
			if r.metric != s.name || r.component != GPU || !labelsMatch(s, r.match) {
				continue
			}
			if name, err := r.channelName(s); err == nil {
				out[name] = model
			}
		}
	}
	return out
}

// GPUModels names the GPUs behind the meter's GPU channels, in channel
// order, when the exporter labels them (dcgm-exporter's modelName)
// (GPUDescriber).
func (e *exporter) GPUModels() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	names := make([]string, 0, len(e.gpus))
	for _, ch := range slices.Sorted(maps.Keys(e.gpus)) {
		names = append(names, e.gpus[ch])
	}
	return names
}

// scrape fetches the body into e.buf, which stays valid until the next call.
func (e *exporter) scrape(ctx context.Context) ([]byte, error) {
	// The caller's deadline (the sampler's) may be the tighter one; the
	// error message should name the limit that really applied.
	limit := e.timeout
	if dl, ok := ctx.Deadline(); ok {
		limit = min(limit, time.Until(dl))
	}
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, e.url, nil)
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", e.shown, err)
	}
	req.Header.Set("Accept", acceptText)
	for k, v := range e.headers {
		req.Header.Set(k, v)
	}
	resp, err := e.client.Do(req)
	if err != nil {
		return nil, e.requestError(err, limit)
	}
	defer func() {
		// Drain what is left so the connection can be reused.
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxScrapeBytes))
		_ = resp.Body.Close()
	}()
	if resp.StatusCode != http.StatusOK {
		// An echoed secret is masked whole, then cut.
		return nil, fmt.Errorf("GET %s: %s: %s", e.shown, resp.Status, httpx.QuoteBody(resp.Body, e.red, 200))
	}
	if mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); mt == "application/vnd.google.protobuf" {
		return nil, fmt.Errorf("GET %s: the server answered in protobuf although text was asked for", e.shown)
	}
	e.buf.Reset()
	n, err := e.buf.ReadFrom(io.LimitReader(resp.Body, maxScrapeBytes+1))
	if err != nil {
		return nil, e.requestError(err, limit)
	}
	if n > maxScrapeBytes {
		return nil, fmt.Errorf("GET %s: body larger than %d MiB; is this a metrics endpoint?", e.shown, maxScrapeBytes>>20)
	}
	return e.buf.Bytes(), nil
}

// requestError turns a transport failure into advice; limit is the time
// the request was given.
func (e *exporter) requestError(err error, limit time.Duration) error {
	return e.red.Error(httpx.Unreached(httpx.Explain(err), "the exporter", e.shown, limit,
		"is the exporter (or aienergy's simulator) running and listening there?"))
}

// ReadTimeout lets a scrape take its configured timeout even when that is
// longer than the sampler's default (meter.ReadTimeouter).
func (e *exporter) ReadTimeout() time.Duration { return e.timeout }

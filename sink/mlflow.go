package sink

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/aienergy/aienergy/internal/redact"
	"github.com/aienergy/aienergy/report"
	"github.com/aienergy/aienergy/rundir"
)

func init() { registerReady("mlflow", NewMLflow) }

// MLflow logs a run to an MLflow tracking server through its REST API
// (2.x): one MLflow run per aienergy run in the configured experiment
// (created if missing), the settings as params, the run-level figures as
// metrics under their names and each model's as "<model>/<figure>", in
// log-batch requests within MLflow's limits, and the run directory as
// artifacts through the server's artifact proxy.
type MLflow struct {
	url        string
	experiment string
	artifacts  bool
	c          *client
	now        func() time.Time
}

// NewMLflow builds an MLflow sink. Options: url (the tracking server),
// experiment (aienergy), token_env (a bearer token) or username and
// password_env (basic auth), artifacts (true), timeout_s (30).
func NewMLflow(opts map[string]any) (*MLflow, error) {
	o := newOptions("mlflow", opts)
	s := &MLflow{
		url:        o.url("url", "http://127.0.0.1:5000"),
		experiment: o.str("experiment", "aienergy"),
		artifacts:  o.boolean("artifacts", true),
		now:        time.Now,
	}
	token := o.secret("token_env")
	user, password := o.login()
	if token != "" && user != "" {
		o.fail("token_env", "give token_env or username and password_env, not both")
	}
	if s.experiment == "" {
		o.fail("experiment", "is empty")
	}
	timeout := o.duration("timeout_s", defaultTimeout)
	if err := o.done(); err != nil {
		return nil, err
	}
	s.c = newClient(timeout, func(r *http.Request) {
		switch {
		case token != "":
			r.Header.Set("Authorization", "Bearer "+token)
		case user != "":
			r.SetBasicAuth(user, password)
		}
	}, token, password, redact.BasicAuth(user, password))
	return s, nil
}

// Name implements Sink.
func (s *MLflow) Name() string {
	return fmt.Sprintf("mlflow %s (experiment %s)", s.url, s.experiment)
}

// Send implements Sink. Once the MLflow run exists, a later failure marks
// it FAILED (when the server still answers) and the error names it.
func (s *MLflow) Send(ctx context.Context, dir string, sum *report.Summary, _ *rundir.Raw) error {
	expID, err := s.experimentID(ctx)
	if err != nil {
		return fmt.Errorf("%s: %w", s.Name(), err)
	}
	runID, artifactURI, err := s.createRun(ctx, expID, sum)
	if err != nil {
		return fmt.Errorf("%s: creating the run: %w", s.Name(), err)
	}
	if err := s.fill(ctx, dir, runID, artifactURI, sum); err != nil {
		_ = s.updateRun(ctx, runID, "FAILED", s.now())
		return fmt.Errorf("%s: run %s (marked FAILED): %w", s.Name(), runID, err)
	}
	status, end := "FINISHED", sum.EndedAt
	switch {
	case sum.Error != "":
		status = "FAILED"
	case sum.Interrupted:
		status = "KILLED"
	}
	if end.IsZero() {
		end = s.now()
	}
	if err := s.updateRun(ctx, runID, status, end); err != nil {
		return fmt.Errorf("%s: run %s: setting its status: %w", s.Name(), runID, err)
	}
	return nil
}

func (s *MLflow) fill(ctx context.Context, dir, runID, artifactURI string, sum *report.Summary) error {
	metrics, params, tags := mlflowEntities(sum)
	for i, b := range splitBatches(runID, metrics, params, tags) {
		if err := s.call(ctx, "runs/log-batch", b, nil); err != nil {
			return fmt.Errorf("logging batch %d: %w", i+1, err)
		}
	}
	if !s.artifacts {
		return nil
	}
	return s.uploadDir(ctx, dir, artifactURI, sum.RunID)
}

// experimentID finds the experiment by name, creating it if missing.
func (s *MLflow) experimentID(ctx context.Context) (string, error) {
	for attempt := 0; ; attempt++ {
		var got struct {
			Experiment struct {
				ExperimentID   string `json:"experiment_id"`
				LifecycleStage string `json:"lifecycle_stage"`
			} `json:"experiment"`
		}
		err := s.get(ctx, "experiments/get-by-name", url.Values{"experiment_name": {s.experiment}}, &got)
		switch {
		case err == nil && got.Experiment.LifecycleStage == "deleted":
			return "", fmt.Errorf("experiment %q is deleted; restore it in MLflow or choose another experiment", s.experiment)
		case err == nil && got.Experiment.ExperimentID != "":
			return got.Experiment.ExperimentID, nil
		case err == nil:
			return "", fmt.Errorf("experiments/get-by-name: the answer has no experiment_id")
		case mlflowCode(err) != "RESOURCE_DOES_NOT_EXIST" || attempt > 0:
			return "", fmt.Errorf("finding experiment %q: %w", s.experiment, err)
		}
		var created struct {
			ExperimentID string `json:"experiment_id"`
		}
		err = s.call(ctx, "experiments/create", map[string]any{"name": s.experiment}, &created)
		switch {
		case err == nil && created.ExperimentID != "":
			return created.ExperimentID, nil
		case err == nil:
			return "", fmt.Errorf("experiments/create: the answer has no experiment_id")
		case mlflowCode(err) != "RESOURCE_ALREADY_EXISTS":
			return "", fmt.Errorf("creating experiment %q: %w", s.experiment, err)
		}
		// Someone created it meanwhile: look it up again.
	}
}

func (s *MLflow) createRun(ctx context.Context, expID string, sum *report.Summary) (runID, artifactURI string, err error) {
	name := sum.Name
	if name == "" {
		name = sum.RunID
	}
	var got struct {
		Run struct {
			Info struct {
				RunID       string `json:"run_id"`
				ArtifactURI string `json:"artifact_uri"`
			} `json:"info"`
		} `json:"run"`
	}
	err = s.call(ctx, "runs/create", map[string]any{
		"experiment_id": expID,
		"run_name":      name,
		"start_time":    sum.StartedAt.UnixMilli(),
		"tags":          []mlflowKV{{"mlflow.runName", name}},
	}, &got)
	if err != nil {
		return "", "", err
	}
	if got.Run.Info.RunID == "" {
		return "", "", errors.New("runs/create: the answer has no run.info.run_id")
	}
	return got.Run.Info.RunID, got.Run.Info.ArtifactURI, nil
}

func (s *MLflow) updateRun(ctx context.Context, runID, status string, end time.Time) error {
	return s.call(ctx, "runs/update", map[string]any{"run_id": runID, "status": status, "end_time": end.UnixMilli()}, nil)
}

// call POSTs a JSON request to /api/2.0/mlflow/<path> and decodes the
// answer into out (when not nil).
func (s *MLflow) call(ctx context.Context, path string, in, out any) error {
	body, err := json.Marshal(in)
	if err != nil {
		return err
	}
	data, err := s.c.do(ctx, http.MethodPost, s.url+"/api/2.0/mlflow/"+path, "application/json", body)
	return s.decode(path, data, err, out)
}

func (s *MLflow) get(ctx context.Context, path string, q url.Values, out any) error {
	data, err := s.c.do(ctx, http.MethodGet, s.url+"/api/2.0/mlflow/"+path+"?"+q.Encode(), "", nil)
	return s.decode(path, data, err, out)
}

func (s *MLflow) decode(path string, data []byte, err error, out any) error {
	if err != nil {
		return mlflowError(err)
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("%s: the answer is not the JSON MLflow sends (is url an MLflow tracking server?): %w", path, err)
	}
	return nil
}

// MLflowError is MLflow's error answer: {"error_code": …, "message": …}.
type MLflowError struct {
	Code    string `json:"error_code"`
	Message string `json:"message"`
	Status  *StatusError
}

func (e *MLflowError) Error() string {
	return fmt.Sprintf("%s %s: HTTP %d %s: %s", e.Status.Method, e.Status.URL, e.Status.Code, e.Code, e.Message)
}

func (e *MLflowError) Unwrap() error { return e.Status }

// mlflowError turns an error answer into an *MLflowError when it is one,
// and says what an authentication failure likely means.
func mlflowError(err error) error {
	var se *StatusError
	if !errors.As(err, &se) {
		return err
	}
	me := &MLflowError{Status: se}
	if json.Unmarshal([]byte(se.Body), me) == nil && me.Code != "" {
		err = me
	} else if se.Code == http.StatusNotFound {
		return fmt.Errorf("no such endpoint: is url an MLflow tracking server (2.x)? %w", err)
	}
	if se.Code == http.StatusUnauthorized || se.Code == http.StatusForbidden {
		return fmt.Errorf("authentication failed (check token_env, or username and password_env): %w", err)
	}
	return err
}

func mlflowCode(err error) string {
	var me *MLflowError
	if errors.As(err, &me) {
		return me.Code
	}
	return ""
}

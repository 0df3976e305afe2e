package deploy_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aienergy/aienergy/config"
	"github.com/aienergy/aienergy/internal/cli"
	"github.com/aienergy/aienergy/meter"
)

const (
	shardsJobFile = "k8s/shards/job.yaml"
	shardsCMFile  = "k8s/shards/configmap.yaml"
)

// shardsJob is job.yaml's Job with ${START_AT} filled in as its header's
// envsubst command fills it in, and the start time used.
func shardsJob(t *testing.T) (job map[string]any, startAt string) {
	t.Helper()
	data, err := os.ReadFile(shardsJobFile)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(data), "${START_AT}"); n != 1 {
		t.Fatalf("%s: ${START_AT} appears %d times, want once (the env value envsubst fills in)", shardsJobFile, n)
	}
	startAt = time.Now().Add(5 * time.Minute).UTC().Format("2006-01-02T15:04:05Z") // date -u +%Y-%m-%dT%H:%M:%SZ
	path := filepath.Join(t.TempDir(), "job.yaml")
	if err := os.WriteFile(path, bytes.ReplaceAll(data, []byte("${START_AT}"), []byte(startAt)), 0o644); err != nil {
		t.Fatal(err)
	}
	var found map[string]any
	for _, d := range readYAMLDocs(t, path) {
		if d["kind"] == "Job" {
			found = d
		}
	}
	if found == nil {
		t.Fatalf("%s: no Job", shardsJobFile)
	}
	return found, startAt
}

// envOf maps a container's env names to their values ("" for a
// reference) and field paths.
func envOf(t *testing.T, ctr any) (values, fields map[string]string) {
	t.Helper()
	values, fields = map[string]string{}, map[string]string{}
	for _, e := range dig(t, ctr, "env").([]any) {
		name := dig(t, e, "name").(string)
		em := e.(map[string]any)
		if v, ok := em["value"].(string); ok {
			values[name] = v
		}
		if vf, ok := em["valueFrom"].(map[string]any); ok {
			if fr, ok := vf["fieldRef"].(map[string]any); ok {
				fields[name] = fr["fieldPath"].(string)
				values[name] = ""
			}
		}
	}
	return values, fields
}

var k8sVar = regexp.MustCompile(`\$\(([A-Za-z_][A-Za-z0-9_]*)\)`)

// expand resolves $(VAR) in an argument as the kubelet does for pod
// index; a reference to an undeclared variable is left as written, which
// the kubelet does silently, so the test fails on it.
func expand(t *testing.T, arg string, env map[string]string) string {
	t.Helper()
	return k8sVar.ReplaceAllStringFunc(arg, func(m string) string {
		name := k8sVar.FindStringSubmatch(m)[1]
		v, ok := env[name]
		if !ok {
			t.Errorf("argument %q names $(%s), which the container does not declare: the kubelet would pass it unexpanded", arg, name)
		}
		return v
	})
}

// shardOverrides reads load.shard.* from the Job's overrides.
func shardOverrides(args []string) map[string]string {
	m := map[string]string{}
	for _, a := range args {
		if k, v, ok := strings.Cut(a, "="); ok && strings.HasPrefix(k, "load.shard.") {
			m[strings.TrimPrefix(k, "load.shard.")] = v
		}
	}
	return m
}

// TestK8sShardsJobWiring checks the Indexed Job of load shards: one pod
// per shard, all at once, each told its index by the Job controller and
// the common start time, each writing its own run directory to a claim
// every node can write.
func TestK8sShardsJobWiring(t *testing.T) {
	job, startAt := shardsJob(t)
	spec := dig(t, job, "spec")
	if got := dig(t, job, "apiVersion"); got != "batch/v1" {
		t.Errorf("apiVersion %v, want batch/v1", got)
	}
	if got := dig(t, spec, "completionMode"); got != "Indexed" {
		t.Errorf("completionMode %v, want Indexed (JOB_COMPLETION_INDEX is the shard index)", got)
	}
	completions, parallelism := dig(t, spec, "completions"), dig(t, spec, "parallelism")
	n, ok := completions.(int)
	if !ok || n < 2 || parallelism != completions {
		t.Fatalf("completions %v, parallelism %v: want the same count of shards (≥ 2), all running at once", completions, parallelism)
	}
	if got := dig(t, spec, "backoffLimit"); got != 0 {
		t.Errorf("backoffLimit %v: a rerun shard would miss start_at; want 0", got)
	}
	pod := dig(t, spec, "template", "spec")
	if got := dig(t, pod, "restartPolicy"); got != "Never" {
		t.Errorf("restartPolicy %v, want Never", got)
	}
	ctr := dig(t, pod, "containers", 0)
	args := strs(t, dig(t, ctr, "args"))
	values, fields := envOf(t, ctr)

	// The index comes from the Job controller's annotation, the start
	// time from the one value filled in for every pod.
	if fields["JOB_COMPLETION_INDEX"] != "metadata.annotations['batch.kubernetes.io/job-completion-index']" {
		t.Errorf("JOB_COMPLETION_INDEX = %q, want the job-completion-index annotation", fields["JOB_COMPLETION_INDEX"])
	}
	if values["START_AT"] != startAt {
		t.Errorf("START_AT = %q after envsubst, want %q", values["START_AT"], startAt)
	}
	sh := shardOverrides(args)
	if sh["index"] != "$(JOB_COMPLETION_INDEX)" || sh["start_at"] != "$(START_AT)" || sh["count"] != fmt.Sprint(n) {
		t.Errorf("load.shard overrides %v: want index=$(JOB_COMPLETION_INDEX), count=%d (completions), start_at=$(START_AT)", sh, n)
	}
	for _, a := range args {
		expand(t, a, values)
	}

	// Each shard's run directory is its own, on the shared claim.
	_, _, flags := splitCommand(t, args)
	out := flags["--output"]
	mounts := map[string]string{}
	for _, m := range dig(t, ctr, "volumeMounts").([]any) {
		mounts[dig(t, m, "name").(string)] = dig(t, m, "mountPath").(string)
	}
	if !strings.Contains(out, "$(JOB_COMPLETION_INDEX)") || !strings.HasPrefix(out, mounts["runs"]+"/") {
		t.Errorf("--output %q: want a directory per shard ($(JOB_COMPLETION_INDEX)) under the runs mount %s", out, mounts["runs"])
	}
	var claim string
	for _, v := range dig(t, pod, "volumes").([]any) {
		if dig(t, v, "name") == "runs" {
			claim, _ = dig(t, v, "persistentVolumeClaim", "claimName").(string)
		}
		if c, ok := v.(map[string]any)["configMap"].(map[string]any); ok {
			cm := k8sObject(t, shardsCMFile, "ConfigMap")
			if c["name"] != dig(t, cm, "metadata", "name") {
				t.Errorf("config volume mounts ConfigMap %v, the file defines %v", c["name"], dig(t, cm, "metadata", "name"))
			}
			if path.Dir(args[1]) != mounts[dig(t, v, "name").(string)] {
				t.Errorf("args name %s, the ConfigMap is mounted at %s", args[1], mounts[dig(t, v, "name").(string)])
			}
			if _, ok := dig(t, cm, "data").(map[string]any)[path.Base(args[1])]; !ok {
				t.Errorf("the ConfigMap has no key %s", path.Base(args[1]))
			}
		}
	}
	pvc := k8sObject(t, shardsJobFile, "PersistentVolumeClaim")
	if claim != dig(t, pvc, "metadata", "name") {
		t.Errorf("runs volume claims %q, the file defines %v", claim, dig(t, pvc, "metadata", "name"))
	}
	if modes := strs(t, dig(t, pvc, "spec", "accessModes")); !slices.Contains(modes, "ReadWriteMany") {
		t.Errorf("claim access modes %v: pods on several nodes write to it at once, want ReadWriteMany", modes)
	}

	// As the single Job: the image's user, no GPU, the live port.
	uid, _ := dockerfileUser(t)
	if got := fmt.Sprint(dig(t, pod, "securityContext", "runAsUser")); got != uid {
		t.Errorf("runAsUser %s, the Dockerfile's USER is %s", got, uid)
	}
	if values["NVIDIA_VISIBLE_DEVICES"] != "void" {
		t.Errorf("NVIDIA_VISIBLE_DEVICES = %q, want void", values["NVIDIA_VISIBLE_DEVICES"])
	}
	if res := fmt.Sprint(dig(t, ctr, "resources")); strings.Contains(res, "gpu") {
		t.Errorf("a load shard requests a GPU: %s", res)
	}
	port := dig(t, ctr, "ports", 0, "containerPort")
	if want := ":" + fmt.Sprint(port); flags["--metrics-addr"] != want {
		t.Errorf("--metrics-addr %q, want %q", flags["--metrics-addr"], want)
	}
}

// TestK8sShardsCommandsRun runs every pod's command line, as the kubelet
// expands it for that pod's index, through the CLI with --dry-run: the
// config loads with its shard, each pod gets its own index of the same
// count and start time, and the plan builds.
func TestK8sShardsCommandsRun(t *testing.T) {
	job, startAt := shardsJob(t)
	n := dig(t, job, "spec", "completions").(int)
	ctr := dig(t, job, "spec", "template", "spec", "containers", 0)
	values, _ := envOf(t, ctr)
	cm := k8sObject(t, shardsCMFile, "ConfigMap")
	bench := filepath.Join(t.TempDir(), "bench.yaml")
	if err := os.WriteFile(bench, []byte(dig(t, cm, "data", "bench.yaml").(string)), 0o644); err != nil {
		t.Fatal(err)
	}
	outputs := map[string]bool{}
	for i := range n {
		env := map[string]string{}
		for k, v := range values {
			env[k] = v
		}
		env["JOB_COMPLETION_INDEX"] = fmt.Sprint(i)
		var args []string
		for _, a := range strs(t, dig(t, ctr, "args")) {
			args = append(args, expand(t, a, env))
		}
		_, overrides, flags := splitCommand(t, args)
		outputs[flags["--output"]] = true

		cfg, err := config.Load(bench, overrides)
		if err != nil {
			t.Fatalf("pod %d: %v", i, err)
		}
		s := cfg.Load.Shard
		if s == nil || s.Index != i || s.Count != n || s.StartAt != startAt {
			t.Errorf("pod %d: load.shard %+v, want index %d of %d from %s", i, s, i, n, startAt)
		}
		if cfg.Output.Dir != "/runs" || cfg.Load.Mode != "rate" {
			t.Errorf("pod %d: output.dir %q, load.mode %q", i, cfg.Output.Dir, cfg.Load.Mode)
		}
		for _, m := range cfg.Meters {
			if _, err := meter.New(context.Background(), meter.Spec{Name: m.Name, Type: m.Type, Options: m.Options, Source: bench}); err != nil && !errors.Is(err, meter.ErrUnavailable) {
				t.Errorf("meter %s: %v", m.Name, err)
			}
		}

		args[1] = bench
		for j := range args {
			switch args[j] {
			case "--metrics-addr":
				args[j+1] = "127.0.0.1:0"
			case "--output":
				args[j+1] = filepath.Join(t.TempDir(), "shard")
			}
		}
		var stdout, stderr bytes.Buffer
		if code := cli.Execute(context.Background(), append(args, "--dry-run"), &stdout, &stderr); code != 0 {
			t.Fatalf("pod %d: aienergy %s: exit %d\n%s%s", i, strings.Join(args, " "), code, stdout.String(), stderr.String())
		}
		if !strings.Contains(stdout.String(), "dry run: no request sent") {
			t.Errorf("pod %d: no dry-run plan printed:\n%s", i, stdout.String())
		}
	}
	if len(outputs) != n {
		t.Errorf("%d pods write to %d run directories: %v", n, len(outputs), outputs)
	}
}

package deploy_test

import (
	"fmt"
	"path"
	"strings"
	"testing"
)

func k8sJob(t *testing.T) map[string]any {
	t.Helper()
	return k8sObject(t, "k8s/job.yaml", "Job")
}

func k8sObject(t *testing.T, file, kind string) map[string]any {
	t.Helper()
	var found map[string]any
	for _, d := range readYAMLDocs(t, file) {
		if d["kind"] == kind {
			if found != nil {
				t.Fatalf("%s: two objects of kind %s", file, kind)
			}
			found = d
		}
	}
	if found == nil {
		t.Fatalf("%s: no object of kind %s", file, kind)
	}
	return found
}

// TestK8sJobWiring checks what kubectl --dry-run=server would not: that
// the Job's pieces fit each other, the ConfigMap and the image.
func TestK8sJobWiring(t *testing.T) {
	job := k8sJob(t)
	cm := k8sObject(t, "k8s/configmap.yaml", "ConfigMap")
	pvc := k8sObject(t, "k8s/job.yaml", "PersistentVolumeClaim")
	if got := dig(t, job, "apiVersion"); got != "batch/v1" {
		t.Errorf("Job apiVersion = %v, want batch/v1", got)
	}
	pod := dig(t, job, "spec", "template", "spec")
	if got := dig(t, pod, "restartPolicy"); got != "Never" && got != "OnFailure" {
		t.Errorf("restartPolicy = %v: a Job's pod needs Never or OnFailure", got)
	}
	ctr := dig(t, pod, "containers", 0)

	// The config comes from the ConfigMap's key, at the path the args name.
	mounts := map[string]string{} // volume name → mount path
	for _, m := range dig(t, ctr, "volumeMounts").([]any) {
		mounts[dig(t, m, "name").(string)] = dig(t, m, "mountPath").(string)
	}
	volumes := map[string]map[string]any{}
	for _, v := range dig(t, pod, "volumes").([]any) {
		volumes[dig(t, v, "name").(string)] = v.(map[string]any)
	}
	for name := range mounts {
		if volumes[name] == nil {
			t.Errorf("volumeMount %s has no volume", name)
		}
	}
	args := strs(t, dig(t, ctr, "args"))
	configPath, _, flags := splitCommand(t, args)
	var cmVolume string
	for name, v := range volumes {
		if c, ok := v["configMap"].(map[string]any); ok && c["name"] == dig(t, cm, "metadata", "name") {
			cmVolume = name
		}
	}
	if cmVolume == "" {
		t.Fatalf("no volume of the Job mounts ConfigMap %v", dig(t, cm, "metadata", "name"))
	}
	key := path.Base(configPath)
	if path.Dir(configPath) != mounts[cmVolume] {
		t.Errorf("args name %s, but the ConfigMap is mounted at %s", configPath, mounts[cmVolume])
	}
	if _, ok := dig(t, cm, "data").(map[string]any)[key]; !ok {
		t.Errorf("ConfigMap has no key %s (args name %s)", key, configPath)
	}

	// Results go to the claim, where the config's output.dir points (that
	// part is checked by TestBenchConfigsLoad).
	claim := dig(t, volumes["runs"], "persistentVolumeClaim", "claimName")
	if claim != dig(t, pvc, "metadata", "name") {
		t.Errorf("runs volume claims %v, but the claim is named %v", claim, dig(t, pvc, "metadata", "name"))
	}
	if mounts["runs"] != "/runs" {
		t.Errorf("runs mounted at %q, want /runs", mounts["runs"])
	}

	// The live endpoint's port is the container port that is declared.
	port := dig(t, ctr, "ports", 0, "containerPort")
	if want := ":" + fmt.Sprint(port); flags["--metrics-addr"] != want {
		t.Errorf("--metrics-addr %q, want %q (containerPort)", flags["--metrics-addr"], want)
	}
	if got := dig(t, job, "spec", "template", "metadata", "annotations", "prometheus.io/port"); got != fmt.Sprint(port) {
		t.Errorf("prometheus.io/port annotation %v, want %v", got, port)
	}

	// No GPU: not requested, and not slipped in by the image's
	// NVIDIA_VISIBLE_DEVICES=all on nodes whose default runtime is nvidia.
	if res := fmt.Sprint(dig(t, ctr, "resources")); strings.Contains(res, "gpu") {
		t.Errorf("the Job requests a GPU: %s", res)
	}
	env := map[string]any{}
	for _, e := range dig(t, ctr, "env").([]any) {
		env[dig(t, e, "name").(string)] = e.(map[string]any)["value"]
	}
	if env["NVIDIA_VISIBLE_DEVICES"] != "void" {
		t.Errorf("NVIDIA_VISIBLE_DEVICES = %v, want void", env["NVIDIA_VISIBLE_DEVICES"])
	}

	// The pod runs as the image's user (runAsNonRoot needs a numeric uid).
	uid, _ := dockerfileUser(t)
	if got := fmt.Sprint(dig(t, pod, "securityContext", "runAsUser")); got != uid {
		t.Errorf("runAsUser %s, but the Dockerfile's USER is %s", got, uid)
	}
	if dig(t, pod, "securityContext", "runAsNonRoot") != true {
		t.Error("runAsNonRoot is not set")
	}
}

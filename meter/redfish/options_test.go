package redfish

import (
	"strings"
	"testing"

	"github.com/aienergy/aienergy/meter"
)

func TestOptionErrors(t *testing.T) {
	t.Setenv(pwEnv, password)
	t.Setenv("AIENERGY_TEST_EMPTY", "")
	base := "https://10.0.0.5"
	tests := []struct {
		name string
		opts map[string]any
		want string
	}{
		{"unknown key", map[string]any{"url": base, "pasword_env": "X"},
			`meters[bmc].pasword_env: unknown option for a meter of type "redfish"; did you mean "password_env"?`},
		{"no url", map[string]any{}, "meters[bmc].url: required but not set"},
		{"no scheme", map[string]any{"url": "10.0.0.5"}, "want the BMC's address such as https://10.0.0.5"},
		{"credentials in the url", map[string]any{"url": "https://root:calvin@10.0.0.5"}, "put credentials in username and password_env"},
		{"other path", map[string]any{"url": base + "/api/v2"}, `optionally followed by /redfish/v1, got the path "/api/v2"`},
		{"username without password_env", map[string]any{"url": base, "username": "root"}, "meters[bmc].password_env: username is set"},
		{"password_env without username", map[string]any{"url": base, "password_env": pwEnv}, "meters[bmc].username: password_env is set"},
		{"password variable unset", map[string]any{"url": base, "username": "root", "password_env": "AIENERGY_TEST_UNSET_VAR"},
			"environment variable AIENERGY_TEST_UNSET_VAR is not set or empty"},
		{"password variable empty", map[string]any{"url": base, "username": "root", "password_env": "AIENERGY_TEST_EMPTY"},
			"environment variable AIENERGY_TEST_EMPTY is not set or empty"},
		{"session without user", map[string]any{"url": base, "session": true}, "meters[bmc].session: a session needs username"},
		{"session not a bool", map[string]any{"url": base, "session": "yes"}, "meters[bmc].session: want true or false"},
		{"ca_file and insecure", map[string]any{"url": base, "ca_file": "x.pem", "insecure_skip_verify": true}, "not both"},
		{"insecure on http", map[string]any{"url": "http://10.0.0.5", "insecure_skip_verify": true}, "apply to https:// URLs only"},
		{"bare timeout", map[string]any{"url": base, "timeout": 5}, "meters[bmc].timeout: want a duration"},
		{"energy", map[string]any{"url": base, "energy": "joules"}, `meters[bmc].energy: want auto, counter or power, got "joules"`},
		{"component", map[string]any{"url": base, "component": "psu"}, `meters[bmc].component: want wall, gpu, cpu, dram or other, got "psu"`},
		{"chassis empty", map[string]any{"url": base, "chassis": []any{}}, "meters[bmc].chassis: empty list"},
		{"chassis item", map[string]any{"url": base, "chassis": []any{map[string]any{"id": 1}}}, "meters[bmc].chassis[0]: want a chassis Id"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := meter.New(t.Context(), meter.Spec{Name: "bmc", Type: "redfish", Options: tc.opts})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one containing %q", err, tc.want)
			}
			if err != nil && strings.Contains(err.Error(), password) {
				t.Errorf("the message shows the password: %v", err)
			}
		})
	}
}

func TestChassisNumberMeansID(t *testing.T) {
	f := newFakeBMC(t, "public-rackmount1")
	_, err := open(t, f, map[string]any{"chassis": []any{1}})
	if err == nil || !strings.Contains(err.Error(), `no chassis "1" (it has: 1U)`) {
		t.Errorf("error %v", err)
	}
}

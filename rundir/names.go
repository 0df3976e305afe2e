package rundir

import (
	"crypto/sha256"
	"encoding/hex"

	"github.com/aienergy/aienergy/internal/safename"
)

// MaxFileName is the longest name FileName returns. File systems allow
// 255 bytes; the longest name aienergy builds around one is a temporary
// file's ".optimum_benchmark_report_<name>.json.<16 hex digits>.tmp", 52
// bytes more.
const MaxFileName = 120

// hashLen is the length of the "-<8 hex digits>" a shortened name ends in.
const hashLen = 9

// FileName turns s — a model id, a sweep point's label, a run's name —
// into a name that is safe in any file name: letters, digits, '-', '_'
// and '.' are kept, anything else becomes '_', and it never starts with a
// dot (hidden, or "." and ".."). A name longer than MaxFileName is cut and
// ends in a hash of the whole of s, so that two long names that share
// their beginning stay apart. Every file named after something outside
// aienergy goes through here.
func FileName(s string) string {
	safe := sanitize(s)
	if len(safe) <= MaxFileName {
		return safe
	}
	return hashed(safe, s)
}

// FileNames is FileName for names that share a folder: where two
// different names would come out the same ("org/m" and "org_m"), each
// gets the hash, so no file overwrites another.
func FileNames(names []string) []string {
	out := make([]string, len(names))
	first := map[string]string{} // file name → the name that gave it
	clash := map[string]bool{}
	for i, n := range names {
		out[i] = FileName(n)
		if prev, ok := first[out[i]]; ok && prev != n {
			clash[out[i]] = true
		}
		first[out[i]] = n
	}
	for i, n := range names {
		if clash[out[i]] {
			out[i] = hashed(sanitize(n), n)
		}
	}
	return out
}

func sanitize(s string) string {
	safe := safename.Map(s, '_')
	if safe == "" || safe[0] == '.' {
		safe = "_" + safe
	}
	return safe
}

// hashed is safe cut to fit MaxFileName with the hash of whole.
func hashed(safe, whole string) string {
	sum := sha256.Sum256([]byte(whole))
	return safe[:min(len(safe), MaxFileName-hashLen)] + "-" + hex.EncodeToString(sum[:4])
}

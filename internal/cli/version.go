package cli

import (
	"runtime/debug"
	"sync"
)

// Version is set at build time with -ldflags "-X .../internal/cli.Version=…";
// when it is not, version reads what the Go toolchain embedded.
var Version = "dev"

// version names the binary: Version when the build set it, else the
// module version (go install …@v1.2.3), else the VCS revision the binary
// was built from, "+dirty" when the tree had changes. run.json records
// it, so that a figure can be traced to the code that made it.
var version = sync.OnceValue(func() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return Version
	}
	return versionFrom(Version, info)
})

func versionFrom(set string, info *debug.BuildInfo) string {
	if set != "dev" && set != "" {
		return set
	}
	if v := info.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	var rev, modified, at string
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			modified = s.Value
		case "vcs.time":
			at = s.Value
		}
	}
	if rev == "" {
		return set
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	v := "dev-" + rev
	if modified == "true" {
		v += "+dirty"
	}
	if at != "" {
		v += " (" + at + ")"
	}
	return v
}

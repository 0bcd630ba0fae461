package cli

import (
	"fmt"
	"runtime/debug"
	"strings"
)

// version is what vault --version prints: the module's version, the
// commit it was built from and the Go that built it, from the build
// information the Go toolchain records in the binary.
func version() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "vault (no build information)\n"
	}
	return versionOf(info)
}

func versionOf(info *debug.BuildInfo) string {
	settings := map[string]string{}
	for _, s := range info.Settings {
		settings[s.Key] = s.Value
	}
	mod := info.Main.Version
	if mod == "" {
		mod = "(devel)"
	}
	commit := "commit unknown (built without VCS stamping: go build -buildvcs=true in a git checkout records it)"
	if rev := settings["vcs.revision"]; rev != "" {
		commit = "commit " + rev
		if t := settings["vcs.time"]; t != "" {
			commit += " (" + t + ")"
		}
		if settings["vcs.modified"] == "true" {
			commit += " with uncommitted changes"
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "vault %s\n  %s\n  built with %s\n", mod, commit, info.GoVersion)
	return b.String()
}

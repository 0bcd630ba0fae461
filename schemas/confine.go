package schemas

import (
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/evanw/esbuild/pkg/api"
)

// confine is the esbuild plugin that keeps a bundle inside its function
// directory root (a path free of symlinks). A deploy ships what it
// bundles to every node, so an import that reaches "../secrets.txt", an
// absolute path, a package in a node_modules above the directory, or a
// symlink in the directory pointing out of it (say to ~/.docker) would
// publish that file.
//
// The check is made on load, where esbuild hands over the path of every
// file it is about to read, however the import was resolved (relative,
// absolute, node_modules lookup, tsconfig paths, package.json fields),
// and before it reads it. A file is refused unless it lies under root
// once every symlink is followed; root includes its node_modules, and a
// package linked there from elsewhere inside root is fine. esbuild places
// the error at the import that led to the file; Bundle names the import.
//
// esbuild also reads the source map a file's sourceMappingURL comment
// names, without asking plugins, and copies its sourcesContent into the
// bundle's map: a comment naming an existing file outside root is
// refused too.
func confine(root string) api.Plugin {
	return api.Plugin{
		Name: "vault-confine",
		Setup: func(build api.PluginBuild) {
			build.OnLoad(api.OnLoadOptions{Filter: ".*", Namespace: "file"}, func(args api.OnLoadArgs) (api.OnLoadResult, error) {
				if _, err := os.Lstat(args.Path); errors.Is(err, fs.ErrNotExist) {
					// Nothing to read: a module a package disables (esbuild
					// loads it as empty), or a file esbuild reports missing.
					return api.OnLoadResult{}, nil
				}
				if real, ok := inside(root, args.Path); !ok {
					return api.OnLoadResult{Errors: []api.Message{{
						Text:   fmt.Sprintf("is outside the function directory %s (it resolves to %s); only files in the directory and its node_modules are bundled", root, real),
						Detail: outsideImport{},
					}}}, nil
				}
				if m, real, ok := sourceMapOutside(root, args.Path); !ok {
					return api.OnLoadResult{Errors: []api.Message{{
						Text: fmt.Sprintf("%s: its comment %q names a source map outside the function directory %s (%s)", args.Path, m, root, real),
					}}}, nil
				}
				return api.OnLoadResult{}, nil // esbuild loads it as usual
			})
		},
	}
}

// outsideImport marks confine's message about a file outside the
// directory: its text lacks the import, which Bundle reads at the
// message's location.
type outsideImport struct{}

// describeOutside completes the text of an outsideImport message: the
// import at loc, as written, or the entry when esbuild gives no location.
func describeOutside(text string, loc *api.Location, entry string) string {
	if loc == nil {
		return fmt.Sprintf("entry %q %s", entry, text)
	}
	if loc.Column >= 0 && loc.Length > 0 && loc.Column+loc.Length <= len(loc.LineText) {
		return fmt.Sprintf("import %s %s", loc.LineText[loc.Column:loc.Column+loc.Length], text)
	}
	return "import " + text
}

// inside reports whether path, with every symlink followed, is root or
// under it; real is the path so followed. A path that does not evaluate
// (a dangling link) is not inside.
func inside(root, path string) (real string, ok bool) {
	real, err := filepath.EvalSymlinks(path)
	if err != nil {
		return path, false
	}
	rel, err := filepath.Rel(root, real)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) || filepath.IsAbs(rel) {
		return real, false
	}
	return real, true
}

// sourceMapComment is a sourceMappingURL comment as esbuild's lexer
// takes it ("//# sourceMappingURL=x", "/*@ sourceMappingURL=x */").
var sourceMapComment = regexp.MustCompile(`(?://|/\*)[#@]\s*sourceMappingURL=([^\s*]+)`)

// sourceMapOutside finds a sourceMappingURL comment in file that names
// an existing file outside root, as esbuild would read it: a file: URL,
// or a path relative to the file's directory. Comments that name nothing
// on disk (data: URLs, other schemes, missing files) are fine.
func sourceMapOutside(root, file string) (comment, real string, ok bool) {
	data, err := os.ReadFile(file)
	if err != nil || !strings.Contains(string(data), "sourceMappingURL=") {
		return "", "", true // esbuild reports a file it cannot read
	}
	for _, m := range sourceMapComment.FindAllStringSubmatch(string(data), -1) {
		u, err := url.Parse(m[1])
		if err != nil || (u.Scheme != "" && u.Scheme != "file") || (u.Host != "" && u.Host != "localhost") {
			continue
		}
		p := u.Path
		if u.Scheme == "" {
			p = filepath.Join(filepath.Dir(file), filepath.FromSlash(u.Path))
		}
		if _, err := os.Stat(p); err != nil {
			continue // esbuild cannot read it either
		}
		if real, in := inside(root, p); !in {
			return m[1], real, false
		}
	}
	return "", "", true
}

package schemas

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/evanw/esbuild/pkg/api"
)

// confine is the esbuild plugin that keeps a bundle inside its function
// directory root (already free of symlinks). A deploy ships what it
// bundles to every node and serves it, so an import that reaches
// "../secrets.txt", an absolute path, a package in a node_modules above
// the directory, or a symlink in the directory that points out of it
// (say to ~/.docker) would publish that file.
//
// Every import is resolved as esbuild itself would (build.Resolve, which
// follows tsconfig paths, package.json fields and node_modules lookup),
// and refused unless the file it names lies under root once every symlink
// is followed; root includes its node_modules, and a package linked there
// from elsewhere inside root is fine. The check on load is a second
// guard, for a file that reached esbuild without a resolve of ours.
func confine(root string) api.Plugin {
	return api.Plugin{
		Name: "vault-confine",
		Setup: func(build api.PluginBuild) {
			build.OnResolve(api.OnResolveOptions{Filter: ".*"}, func(args api.OnResolveArgs) (api.OnResolveResult, error) {
				if _, again := args.PluginData.(confineMark); again {
					return api.OnResolveResult{}, nil // our own build.Resolve: esbuild's resolver answers
				}
				res := build.Resolve(args.Path, api.ResolveOptions{
					Importer: args.Importer, Namespace: args.Namespace, ResolveDir: args.ResolveDir,
					Kind: args.Kind, With: args.With, PluginData: confineMark{},
				})
				// A failure is left to esbuild's resolver, whose message
				// (with its suggestions) is the same as without us.
				if len(res.Errors) > 0 || res.External || res.Namespace != "file" || res.Path == "" {
					return api.OnResolveResult{}, nil
				}
				if real, ok := inside(root, res.Path); !ok {
					what := "import"
					if args.Kind == api.ResolveEntryPoint {
						what = "entry"
					}
					return api.OnResolveResult{Errors: []api.Message{{
						Text: fmt.Sprintf("%s %q is outside the function directory %s (it resolves to %s); only files in the directory and its node_modules are bundled",
							what, args.Path, root, real),
					}}}, nil
				}
				// esbuild resolves it again, to the same file: returning the
				// path ourselves would drop what its resolver knows of it
				// (tsconfig settings, the package's module type).
				return api.OnResolveResult{}, nil
			})
			build.OnLoad(api.OnLoadOptions{Filter: ".*", Namespace: "file"}, func(args api.OnLoadArgs) (api.OnLoadResult, error) {
				if real, ok := inside(root, args.Path); !ok {
					return api.OnLoadResult{Errors: []api.Message{{
						Text: fmt.Sprintf("%s is outside the function directory %s (it resolves to %s); only files in the directory and its node_modules are bundled",
							args.Path, root, real),
					}}}, nil
				}
				return api.OnLoadResult{}, nil
			})
		},
	}
}

// confineMark tags confine's own resolve calls.
type confineMark struct{}

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

package schemas

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path/filepath"

	"github.com/evanw/esbuild/pkg/api"
)

// WorkersModule is the runtime module a function imports its env and
// waitUntil from, as on Cloudflare Workers: hono/logger reaches it with
// await import("cloudflare:workers").
const WorkersModule = "cloudflare:workers"

// WorkersHost names the global symbol (Symbol.for(WorkersHost)) under
// which the runtime gives the bundled WorkersModule its host object: env,
// the object the fetch handler receives as its env argument, and
// waitUntil, the current invocation's ctx.waitUntil.
const WorkersHost = "vault.cloudflare:workers"

// The namespaces of the modules virtualModules makes up.
const (
	runtimeNamespace = "vault-runtime"
	missingNamespace = "vault-missing"
)

// workersSource is the bundled body of WorkersModule. Run anywhere but on
// a node (say the same bundle under Deno) it throws as a missing module
// would, so an import() of it rejects.
var workersSource = fmt.Sprintf(`const host = globalThis[Symbol.for(%q)];
if (host === undefined) throw new TypeError(%q);
export const env = host.env;
export const waitUntil = host.waitUntil;
`, WorkersHost, fmt.Sprintf("Module not found %q: it is provided by the Vault runtime", WorkersModule))

// virtualModules is the esbuild plugin that supplies the modules no file
// holds:
//
//   - WorkersModule, from the runtime, imported statically or
//     dynamically;
//   - a module that a literal import() names and that does not resolve:
//     Workers code often guards such an import with try/catch (a
//     platform probe), so the bundle builds and the import() rejects
//     when called, with a TypeError naming the specifier, as a module
//     loader would. A static import (or require) of the same specifier is
//     still a bundle error, with its position.
//
// Resolution is unchanged for everything that resolves, and confine still
// checks every file loaded.
func virtualModules(root string) api.Plugin {
	type probe struct{} // marks the plugin's own resolve calls
	return api.Plugin{
		Name: "vault-modules",
		Setup: func(build api.PluginBuild) {
			build.OnResolve(api.OnResolveOptions{Filter: "^" + WorkersModule + "$"}, func(args api.OnResolveArgs) (api.OnResolveResult, error) {
				return api.OnResolveResult{Path: WorkersModule, Namespace: runtimeNamespace}, nil
			})
			build.OnLoad(api.OnLoadOptions{Filter: ".*", Namespace: runtimeNamespace}, func(args api.OnLoadArgs) (api.OnLoadResult, error) {
				src := workersSource
				return api.OnLoadResult{Contents: &src, Loader: api.LoaderJS}, nil
			})

			build.OnResolve(api.OnResolveOptions{Filter: ".*"}, func(args api.OnResolveArgs) (api.OnResolveResult, error) {
				if args.Kind != api.ResolveJSDynamicImport {
					return api.OnResolveResult{}, nil
				}
				if _, ok := args.PluginData.(probe); ok {
					return api.OnResolveResult{}, nil
				}
				res := build.Resolve(args.Path, api.ResolveOptions{
					Importer: args.Importer, Namespace: args.Namespace, ResolveDir: args.ResolveDir,
					Kind: args.Kind, PluginData: probe{}, With: args.With,
				})
				if len(res.Errors) == 0 {
					return api.OnResolveResult{}, nil // resolved as usual
				}
				importer := args.Importer
				if rel, err := filepath.Rel(root, importer); err == nil && filepath.IsAbs(importer) {
					importer = filepath.ToSlash(rel)
				}
				return api.OnResolveResult{
					Path:       args.Path + " from " + importer,
					Namespace:  missingNamespace,
					PluginData: missingModule{args.Path, importer},
				}, nil
			})
			build.OnLoad(api.OnLoadOptions{Filter: ".*", Namespace: missingNamespace}, func(args api.OnLoadArgs) (api.OnLoadResult, error) {
				m, _ := args.PluginData.(missingModule)
				src := m.source()
				return api.OnLoadResult{Contents: &src, Loader: api.LoaderJS}, nil
			})
		},
	}
}

// missingModule is an import() specifier that does not resolve, and the
// file that has the import().
type missingModule struct{ specifier, importer string }

// source is the module's body: evaluating it throws, which rejects the
// import() that evaluates it.
func (m missingModule) source() string {
	msg, _ := json.Marshal(fmt.Sprintf("Module not found %q (import() in %s)", m.specifier, m.importer))
	return fmt.Sprintf("throw new TypeError(%s);\n", msg)
}

// What esbuild's __require helper throws, on a node (no global require),
// for an import() or require() whose specifier is computed (import(name)
// of a variable), which no plugin sees at build time; and what it throws
// instead, as the missing modules above do. The helper's text comes with
// the esbuild version: TestDynamicImport/ComputedSpecifierRejects fails if
// it changes.
const (
	dynamicRequireThrow = `throw Error('Dynamic require of "' + x + '" is not supported');`
	moduleNotFoundThrow = `throw new TypeError('Module not found "' + x + '"');`
)

// computedNotFound makes a computed import() of a module the bundle does
// not hold reject with a TypeError naming it, as a module loader would.
// Only the end of a runtime helper's line changes, which the source map
// does not cover.
func computedNotFound(code []byte) []byte {
	return bytes.Replace(code, []byte(dynamicRequireThrow), []byte(moduleNotFoundThrow), 1)
}

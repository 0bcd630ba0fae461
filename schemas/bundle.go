package schemas

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/evanw/esbuild/pkg/api"
	"go.yaml.in/yaml/v3"
)

// BundleGlobal is the global the bundled script assigns the module's
// namespace to; the runtime reads its "default" export from there.
const BundleGlobal = "__vault_module"

// Bundle compiles the manifest's entry (ES module or TypeScript, with
// relative imports and packages from node_modules) into one script that
// runs without a module loader, plus its source map. Syntax goja cannot
// compile is lowered (gojaLacks); import() of a bundled module evaluates
// it lazily, and cloudflare:workers comes from the runtime
// (virtualModules). Only files inside dir (its node_modules included),
// symlinks followed, are bundled: an import of anything else is an error
// (see confine).
func Bundle(dir string, m *Manifest) (code, sourceMap []byte, err error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, nil, fmt.Errorf("bundle %s: %w", dir, err)
	}
	root, err := filepath.EvalSymlinks(abs)
	if err != nil {
		return nil, nil, fmt.Errorf("bundle %s: %w", dir, err)
	}
	code, sourceMap, err = build(dir, root, m.Entry, gojaLacks)
	if err == nil && parsesInGoja(code) != nil {
		// A goja parser gap (see gojaLacksInClasses): mended in place if
		// it is only class fields named like keywords, else avoided by
		// lowering the classes, in this bundle only.
		if c, ok := quoteKeywordFields(code); ok {
			return c, sourceMap, nil
		}
		if c, sm, err := build(dir, root, m.Entry, gojaLacksInClasses()); err == nil && parsesInGoja(c) == nil {
			return c, sm, nil
		}
	}
	return code, sourceMap, err
}

// build runs esbuild with the given syntax support.
func build(dir, root, entry string, supported map[string]bool) (code, sourceMap []byte, err error) {
	res := api.Build(api.BuildOptions{
		EntryPoints:    []string{entry},
		AbsWorkingDir:  root,
		Plugins:        []api.Plugin{virtualModules(root), confine(root)},
		Bundle:         true,
		Write:          false,
		Format:         api.FormatIIFE,
		GlobalName:     BundleGlobal,
		Platform:       api.PlatformNeutral,
		MainFields:     []string{"module", "main"},
		Conditions:     []string{"workerd", "worker", "browser"},
		Target:         api.ESNext,
		Supported:      supported,
		Sourcemap:      api.SourceMapExternal,
		SourcesContent: api.SourcesContentInclude,
		Outfile:        "bundle.js",
		LogLevel:       api.LogLevelSilent,
	})
	if len(res.Errors) > 0 {
		lines := make([]string, 0, len(res.Errors))
		for _, e := range res.Errors {
			text := e.Text
			if _, ok := e.Detail.(outsideImport); ok {
				text = describeOutside(text, e.Location, entry)
			}
			if e.Location != nil {
				lines = append(lines, fmt.Sprintf("%s:%d:%d: %s",
					filepath.Join(dir, e.Location.File), e.Location.Line, e.Location.Column+1, text))
			} else {
				lines = append(lines, fmt.Sprintf("%s: %s", filepath.Join(dir, entry), text))
			}
		}
		return nil, nil, fmt.Errorf("bundle %s:\n%s", dir, strings.Join(lines, "\n"))
	}
	for _, f := range res.OutputFiles {
		switch {
		case strings.HasSuffix(f.Path, ".map"):
			sourceMap = f.Contents
		case strings.HasSuffix(f.Path, ".js"):
			code = f.Contents
		}
	}
	if code == nil {
		return nil, nil, fmt.Errorf("bundle %s: esbuild produced no script", dir)
	}
	return computedNotFound(code), sourceMap, nil
}

// BuildArtifact reads a function directory, bundles it and lays out the
// artifact blob: manifest, code and source map sections.
func BuildArtifact(dir string) (*Manifest, []byte, error) {
	m, err := LoadManifest(dir)
	if err != nil {
		return nil, nil, err
	}
	if m.Kind == KindContainer {
		// The image is a container's code; the artifact holds the
		// manifest, so its routes and port are as immutable as a
		// function's.
		mj, err := json.Marshal(m)
		if err != nil {
			return nil, nil, fmt.Errorf("encode manifest: %w", err)
		}
		blob, err := EncodeArtifact(Section{SectionManifest, mj})
		return m, blob, err
	}
	if err := checkEntry(dir, m); err != nil {
		return nil, nil, err
	}
	code, sm, err := Bundle(dir, m)
	if err != nil {
		return nil, nil, err
	}
	mj, err := json.Marshal(m)
	if err != nil {
		return nil, nil, fmt.Errorf("encode manifest: %w", err)
	}
	sections := []Section{{SectionManifest, mj}, {SectionCode, code}}
	if sm != nil {
		sections = append(sections, Section{SectionSourceMap, sm})
	}
	blob, err := EncodeArtifact(sections...)
	if err != nil {
		return nil, nil, err
	}
	return m, blob, nil
}

// checkEntry says, at the manifest's entry line, that the entry file is
// not there, and where it was looked for: the bundler would only say it
// could not resolve the name.
func checkEntry(dir string, m *Manifest) error {
	path := filepath.Join(dir, m.Entry)
	if _, err := os.Stat(path); err == nil || !errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	file := filepath.Join(dir, ManifestFile)
	line, col := 1, 1
	if data, err := os.ReadFile(file); err == nil {
		var doc yaml.Node
		if yaml.Unmarshal(data, &doc) == nil && len(doc.Content) == 1 {
			top := doc.Content[0]
			for i := 0; i+1 < len(top.Content); i += 2 {
				if top.Content[i].Value == "entry" {
					line, col = top.Content[i+1].Line, top.Content[i+1].Column
				}
			}
		}
	}
	return PosErrors{{File: file, Line: line, Col: col, Msg: fmt.Sprintf("entry %q: no such file %s", m.Entry, path)}}
}

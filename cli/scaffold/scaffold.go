// Package scaffold writes a new function's directory from one of the
// templates under templates/ (vault new): a vault.yaml, a TypeScript entry,
// a package.json where the template uses npm packages, and a README that
// says how to run it with vault dev.
package scaffold

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/vault-runtime/vault/events"
)

//go:embed templates
var templates embed.FS

// ErrNotEmpty is returned by Write for a directory that already holds
// files: a template never overwrites anything.
var ErrNotEmpty = errors.New("scaffold: directory exists and is not empty")

// Templates lists the names of the templates, sorted.
func Templates() []string {
	entries, _ := fs.ReadDir(templates, "templates")
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	slices.Sort(names)
	return names
}

// Write creates dir from the template tmpl, for a function called name.
// It refuses a dir that exists with anything in it, and an invalid name.
// It returns the paths it wrote, relative to dir.
func Write(dir, tmpl, name string) ([]string, error) {
	if !slices.Contains(Templates(), tmpl) {
		return nil, fmt.Errorf("scaffold: no template %q (want one of %s)", tmpl, strings.Join(Templates(), ", "))
	}
	if !events.ValidFunctionName(name) {
		return nil, fmt.Errorf("scaffold: name %q must be lower-case letters, digits and dashes, starting with a letter (at most 63)", name)
	}
	if entries, err := os.ReadDir(dir); err == nil && len(entries) > 0 {
		return nil, fmt.Errorf("%w: %s", ErrNotEmpty, dir)
	}
	root := path.Join("templates", tmpl)
	vars := strings.NewReplacer("{{name}}", name, "{{dir}}", dir)
	var written []string
	err := fs.WalkDir(templates, root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := templates.ReadFile(p)
		if err != nil {
			return err
		}
		rel := outputName(strings.TrimPrefix(p, root+"/"))
		target := filepath.Join(dir, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(target, []byte(vars.Replace(string(data))), 0o644); err != nil {
			return err
		}
		written = append(written, rel)
		return nil
	})
	if err != nil {
		return written, fmt.Errorf("scaffold %s from template %s: %w", dir, tmpl, err)
	}
	return written, nil
}

// outputName is the name a template's file gets: go:embed leaves out
// dot files, so templates keep "gitignore" and write ".gitignore".
func outputName(rel string) string {
	if path.Base(rel) == "gitignore" {
		return path.Join(path.Dir(rel), ".gitignore")
	}
	return rel
}

package route

import (
	"fmt"
	"testing"

	"github.com/vault-runtime/vault/schemas"
)

// BenchmarkLookup resolves paths in a table of 1,000 routes.
func BenchmarkLookup(b *testing.B) {
	r := NewTable[int]()
	for i := range 1000 {
		for _, p := range []string{fmt.Sprintf("/svc%d/items/:id", i), fmt.Sprintf("h%d.example/static/*", i)} {
			route, _ := schemas.ParseRoute(p)
			if err := r.Add(route, i); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := r.Lookup("h500.example:443", "/static/css/site.css"); !ok {
			b.Fatal("no match")
		}
		if _, ok := r.Lookup("any.example", "/svc999/items/42"); !ok {
			b.Fatal("no match")
		}
	}
}

package cli

import (
	"errors"
	"testing"
)

// An error names its operation once: a gate's refusal already starts
// with it.
func TestOpError(t *testing.T) {
	for _, tc := range []struct{ op, err, want string }{
		{"activate shop@v2", "activate shop@v2: shop is paused (since seq 12, v1): resume it first", "activate shop@v2: shop is paused (since seq 12, v1): resume it first"},
		{"activate shop@v2", "ask node for state: timeout", "activate shop@v2: ask node for state: timeout"},
		{"pause shop", "pause shopping: no such function", "pause shop: pause shopping: no such function"},
	} {
		if got := opError(tc.op, errors.New(tc.err)).Error(); got != tc.want {
			t.Errorf("opError(%q, %q) = %q, want %q", tc.op, tc.err, got, tc.want)
		}
	}
}

package cli

import "testing"

func TestVersionFlag(t *testing.T) {
	for in, want := range map[string]int{"v1": 1, "1": 1, "v12": 12, "12": 12} {
		var f versionFlag
		if err := f.Set(in); err != nil || int(f) != want {
			t.Errorf("Set(%q) = %d, %v; want %d", in, f, err, want)
		}
	}
	for _, in := range []string{"", "v", "v0", "0", "-1", "vv1", "1.5", "x"} {
		var f versionFlag
		if err := f.Set(in); err == nil {
			t.Errorf("Set(%q) = %d, want an error", in, f)
		}
	}
	if name, v, err := parseRef("shop@2"); err != nil || name != "shop" || v != 2 {
		t.Errorf("parseRef(shop@2) = %q, %d, %v", name, v, err)
	}
}

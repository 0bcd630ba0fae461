package events

import (
	"errors"
	"strings"
	"testing"
)

func TestValidResourceName(t *testing.T) {
	for name, want := range map[string]bool{
		"a": true, "pgdata": true, "back-end": true, "0cache": true, "v2": true,
		strings.Repeat("a", 32): true,
		"":                      false, strings.Repeat("a", 33): false,
		"-a": false, "a-": false, "Data": false, "a_b": false, "a.b": false, "../x": false, "a/b": false, "a b": false,
	} {
		if got := ValidResourceName(name); got != want {
			t.Errorf("ValidResourceName(%q) = %v, want %v", name, got, want)
		}
	}
}

func TestNetworkCreatedCheck(t *testing.T) {
	for name, tc := range map[string]struct {
		body NetworkCreated
		want string // "" for valid
	}{
		"no subnet":         {NetworkCreated{Name: "backend"}, ""},
		"10/24":             {NetworkCreated{Name: "backend", Subnet: "10.89.3.0/24"}, ""},
		"172.16/16":         {NetworkCreated{Name: "b", Subnet: "172.16.0.0/16"}, ""},
		"192.168/28":        {NetworkCreated{Name: "b", Subnet: "192.168.7.16/28"}, ""},
		"bad name":          {NetworkCreated{Name: "Back_End"}, "network name"},
		"empty name":        {NetworkCreated{}, "network name"},
		"default":           {NetworkCreated{Name: DefaultNetwork}, "exists on every node"},
		"not a prefix":      {NetworkCreated{Name: "b", Subnet: "10.0.0.1"}, "not a CIDR prefix"},
		"public":            {NetworkCreated{Name: "b", Subnet: "8.8.0.0/16"}, "not in a private range"},
		"ipv6":              {NetworkCreated{Name: "b", Subnet: "fd00::/64"}, "not IPv4"},
		"too wide":          {NetworkCreated{Name: "b", Subnet: "10.0.0.0/8"}, "/16 to /28"},
		"too narrow":        {NetworkCreated{Name: "b", Subnet: "10.0.0.0/30"}, "/16 to /28"},
		"host bits":         {NetworkCreated{Name: "b", Subnet: "10.0.0.1/24"}, "write 10.0.0.0/24"},
		"loopback":          {NetworkCreated{Name: "b", Subnet: "127.0.0.0/16"}, "not in a private range"},
		"172.32 not 1918":   {NetworkCreated{Name: "b", Subnet: "172.32.0.0/16"}, "not in a private range"},
		"link-local subnet": {NetworkCreated{Name: "b", Subnet: "169.254.0.0/16"}, "not in a private range"},
	} {
		t.Run(name, func(t *testing.T) {
			err := tc.body.Check()
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("Check() = %v, want nil", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want) || !errors.Is(err, ErrInvalidEvent)):
				t.Fatalf("Check() = %v, want ErrInvalidEvent saying %q", err, tc.want)
			}
		})
	}
}

func TestVolumeCheck(t *testing.T) {
	if err := (&VolumeCreated{Name: "pgdata"}).Check(); err != nil {
		t.Fatalf("volume pgdata: %v", err)
	}
	for _, name := range []string{"", "..", "a/b", "PG", strings.Repeat("v", 33)} {
		if err := (&VolumeCreated{Name: name}).Check(); !errors.Is(err, ErrInvalidEvent) {
			t.Errorf("volume.created %q: %v, want ErrInvalidEvent", name, err)
		}
		if err := (&VolumeRemoved{Name: name}).Check(); !errors.Is(err, ErrInvalidEvent) {
			t.Errorf("volume.removed %q: %v, want ErrInvalidEvent", name, err)
		}
	}
}

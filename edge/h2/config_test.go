package h2

import (
	"strings"
	"testing"
	"time"
)

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want string // substring of the error, "" for valid
	}{
		{"ZeroIsDefault", Config{}, ""},
		{"Defaults", DefaultConfig(), ""},
		{"ErrFrameSizeSmall", Config{MaxFrameSize: 1000}, "MaxFrameSize"},
		{"ErrFrameSizeLarge", Config{MaxFrameSize: 1 << 24}, "MaxFrameSize"},
		{"ErrWindowSmall", Config{InitialWindowSize: 100}, "InitialWindowSize"},
		{"ErrConnWindowLarge", Config{ConnWindowSize: 1 << 31}, "ConnWindowSize"},
		{"ErrHeaderListSmall", Config{MaxHeaderListSize: 10}, "MaxHeaderListSize"},
		{"ErrHeaderCountNegative", Config{MaxHeaderCount: -1}, "MaxHeaderCount"},
		{"ErrNegativeTimeout", Config{StallTimeout: -time.Second}, "StallTimeout"},
		{"ErrNegativeResets", Config{MaxResetsPerSecond: -1}, "MaxResetsPerSecond"},
		{"ErrNegativeControl", Config{MaxControlPerSecond: -1}, "MaxControlPerSecond"},
		{"ErrNegativeBodyTimeout", Config{BodyReadTimeout: -time.Second}, "BodyReadTimeout"},
		{"ErrNegativeConnBodyBuffer", Config{MaxConnBodyBuffer: -1}, "MaxConnBodyBuffer"},
		{"ErrNegativeBodyBuffer", Config{MaxBodyBuffer: -1}, "MaxBodyBuffer"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.cfg.Validate()
			if tt.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want mention of %s", err, tt.want)
			}
		})
	}
}

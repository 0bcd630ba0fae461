package devloop

import (
	"bytes"
	"strings"
	"testing"
)

func TestNodeLogSkipsFunctionLines(t *testing.T) {
	var b bytes.Buffer
	log := nodeLog(&printer{w: &b})
	log.Warn("invocation failed", "fn", "greet", "status", 500)
	log.With("component", "edge").With("fn", "greet").Error("function threw")
	log.Info("route table published")
	log.With("component", "nats").Warn("slow consumer")
	if got := b.String(); strings.Contains(got, "greet") || strings.Contains(got, "route table") || !strings.Contains(got, "slow consumer") {
		t.Errorf("node log:\n%s\nwant the nats warning only", got)
	}
}

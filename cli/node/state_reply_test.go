package node

import (
	"bytes"
	"strings"
	"testing"
)

func TestStateReplyCompression(t *testing.T) {
	small := []byte(`{"snapshot":{}}`)
	msg := stateMsg(small)
	if msg.Header.Get(stateEncoding) != "" || !bytes.Equal(msg.Data, small) {
		t.Fatalf("a small reply was changed: %q %v", msg.Data, msg.Header)
	}
	large := []byte(`{"versions":[` + strings.Repeat(`{"number":1,"artifact":"3f7a9c","deployedSeq":12},`, 40000) + `{}]}`)
	msg = stateMsg(large)
	if msg.Header.Get(stateEncoding) != "gzip" || len(msg.Data) >= len(large)/5 {
		t.Fatalf("a %d-byte reply went out as %d bytes, header %v", len(large), len(msg.Data), msg.Header)
	}
	if len(msg.Data) > 1<<20 {
		t.Fatalf("a %d-byte reply is still over NATS's 1 MiB limit: %d", len(large), len(msg.Data))
	}
	got, err := StateData(msg)
	if err != nil || !bytes.Equal(got, large) {
		t.Fatalf("round trip: %v (%d bytes)", err, len(got))
	}
	msg.Data = msg.Data[:len(msg.Data)/2]
	if _, err := StateData(msg); err == nil {
		t.Fatal("a truncated reply inflated without an error")
	}
}

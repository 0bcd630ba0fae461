package node

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"

	"github.com/nats-io/nats.go"
)

// A node's state reply holds the whole projected state, which grows with
// every version a function ever had: a few thousand redeploys pass NATS's
// 1 MiB message limit. Over compressAbove it is gzipped (the JSON of many
// versions shrinks about tenfold) and marked with stateEncoding.
const (
	compressAbove = 64 << 10
	stateEncoding = "Vault-Encoding"
	// maxStateBytes bounds what a client inflates.
	maxStateBytes = 512 << 20
)

// stateMsg is the reply message for data, compressed when it is large.
func stateMsg(data []byte) *nats.Msg {
	msg := nats.NewMsg("")
	if len(data) <= compressAbove {
		msg.Data = data
		return msg
	}
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
	zw.Write(data)
	zw.Close()
	msg.Data = buf.Bytes()
	msg.Header.Set(stateEncoding, "gzip")
	return msg
}

// StateData is the JSON of a state reply, inflated if the node
// compressed it.
func StateData(msg *nats.Msg) ([]byte, error) {
	if msg.Header.Get(stateEncoding) != "gzip" {
		return msg.Data, nil
	}
	zr, err := gzip.NewReader(bytes.NewReader(msg.Data))
	if err != nil {
		return nil, fmt.Errorf("inflate state reply: %w", err)
	}
	data, err := io.ReadAll(io.LimitReader(zr, maxStateBytes+1))
	if err != nil {
		return nil, fmt.Errorf("inflate state reply: %w", err)
	}
	if len(data) > maxStateBytes {
		return nil, fmt.Errorf("inflate state reply: more than %d bytes", maxStateBytes)
	}
	return data, nil
}

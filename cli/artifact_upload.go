package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/vault-runtime/vault/events"
)

// uploadArtifact stores blob through the node behind nc (see
// artifact_serve.go): it announces the digest and size with a signed
// artifact.put request and, unless the node already has the object, sends
// the bytes in chunks to the node that opened the session. It returns the
// digest and whether the bytes were sent.
func uploadArtifact(ctx context.Context, nc *nats.Conn, ledgerID string, blob []byte) (string, bool, error) {
	digest := events.Digest(blob)
	var session artifactPutReply
	if err := callControl(ctx, nc, ledgerID, "artifact.put", artifactPut{Digest: digest, Size: int64(len(blob))}, &session); err != nil {
		return "", false, err
	}
	if session.Exists {
		return digest, false, nil
	}
	if session.ID == "" || session.Node == "" {
		return "", false, fmt.Errorf("upload artifact %s: the node opened no session", digest)
	}
	subject := nodeAPI(session.Node, artifactAPI)
	for off := 0; off < len(blob); {
		end := min(off+uploadChunk, len(blob))
		msg := nats.NewMsg(subject)
		msg.Header.Set(uploadIDHeader, session.ID)
		msg.Header.Set(uploadOffsetHeader, strconv.Itoa(off))
		final := end == len(blob)
		if final {
			msg.Header.Set(uploadFinalHeader, "true")
		}
		msg.Data = blob[off:end]
		reply, err := sendChunk(ctx, nc, msg, final)
		if err != nil {
			return "", false, fmt.Errorf("upload artifact %s at byte %d: %w", digest, off, err)
		}
		if reply.Error != "" {
			if !strings.Contains(reply.Error, digest) {
				return "", false, fmt.Errorf("upload artifact %s refused by the node: %s", digest, reply.Error)
			}
			return "", false, fmt.Errorf("upload refused by the node: %s", reply.Error)
		}
		if reply.Received != int64(end) || final && !reply.Stored {
			return "", false, fmt.Errorf("upload artifact %s: the node has %d bytes, sent %d", digest, reply.Received, end)
		}
		off = end
	}
	return digest, true, nil
}

// sendChunk sends one chunk and decodes the answer; the last one waits
// longer, as the node stores the whole blob before it answers.
func sendChunk(ctx context.Context, nc *nats.Conn, msg *nats.Msg, final bool) (chunkReply, error) {
	wait := 30 * time.Second
	if final {
		wait = 2 * time.Minute
	}
	ctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	res, err := nc.RequestMsgWithContext(ctx, msg)
	if err != nil {
		return chunkReply{}, err
	}
	var reply chunkReply
	if err := json.Unmarshal(res.Data, &reply); err != nil {
		return chunkReply{}, fmt.Errorf("bad reply: %w", err)
	}
	return reply, nil
}

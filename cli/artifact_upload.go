package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/vault-runtime/vault/cli/node"
	"github.com/vault-runtime/vault/schemas"
)

// uploadArtifact stores blob through the node behind nc (see
// artifact_serve.go): it announces the digest and size with a signed
// artifact.put request and, unless the node already has the object, sends
// the bytes in chunks to the node that opened the session. It returns the
// digest and whether the bytes were sent.
func uploadArtifact(ctx context.Context, nc *nats.Conn, ledgerID string, blob []byte) (string, bool, error) {
	digest := schemas.Digest(blob)
	var session node.ArtifactPutReply
	if err := callControl(ctx, nc, ledgerID, "artifact.put", node.ArtifactPut{Digest: digest, Size: int64(len(blob))}, &session); err != nil {
		return "", false, err
	}
	if session.Exists {
		return digest, false, nil
	}
	if session.ID == "" || session.Node == "" {
		return "", false, fmt.Errorf("upload artifact %s: the node opened no session", digest)
	}
	subject := node.NodeAPI(session.Node, node.ArtifactAPI)
	for off := 0; off < len(blob); {
		end := min(off+node.UploadChunk, len(blob))
		msg := nats.NewMsg(subject)
		msg.Header.Set(node.UploadIDHeader, session.ID)
		msg.Header.Set(node.UploadOffsetHeader, strconv.Itoa(off))
		final := end == len(blob)
		if final {
			msg.Header.Set(node.UploadFinalHeader, "true")
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
func sendChunk(ctx context.Context, nc *nats.Conn, msg *nats.Msg, final bool) (node.ChunkReply, error) {
	wait := 30 * time.Second
	if final {
		wait = 2 * time.Minute
	}
	ctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	res, err := nc.RequestMsgWithContext(ctx, msg)
	if err != nil {
		return node.ChunkReply{}, err
	}
	var reply node.ChunkReply
	if err := json.Unmarshal(res.Data, &reply); err != nil {
		return node.ChunkReply{}, fmt.Errorf("bad reply: %w", err)
	}
	return reply, nil
}

package node

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

// Upload stores blob through the node behind the client (see
// artifact_serve.go): it announces the digest and size with a signed
// artifact.put request and, unless the node already has the object, sends
// the bytes in chunks to the node that opened the session. It returns the
// digest and whether the bytes were sent.
func (c *Client) Upload(ctx context.Context, blob []byte) (string, bool, error) {
	digest := events.Digest(blob)
	var session ArtifactPutReply
	if err := c.Control(ctx, MethodArtifactPut, ArtifactPut{Digest: digest, Size: int64(len(blob))}, &session); err != nil {
		return "", false, err
	}
	if session.Exists {
		return digest, false, nil
	}
	if session.ID == "" || session.Node == "" {
		return "", false, fmt.Errorf("upload artifact %s: the node opened no session", digest)
	}
	subject := NodeAPI(session.Node, ArtifactAPI)
	for off := 0; off < len(blob); {
		end := min(off+UploadChunk, len(blob))
		msg := nats.NewMsg(subject)
		msg.Header.Set(UploadIDHeader, session.ID)
		msg.Header.Set(UploadOffsetHeader, strconv.Itoa(off))
		final := end == len(blob)
		if final {
			msg.Header.Set(UploadFinalHeader, "true")
		}
		msg.Data = blob[off:end]
		reply, err := c.sendChunk(ctx, msg, final)
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
func (c *Client) sendChunk(ctx context.Context, msg *nats.Msg, final bool) (ChunkReply, error) {
	wait := 30 * time.Second
	if final {
		wait = 2 * time.Minute
	}
	ctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	res, err := c.nc.RequestMsgWithContext(ctx, msg)
	if err != nil {
		return ChunkReply{}, err
	}
	var reply ChunkReply
	if err := json.Unmarshal(res.Data, &reply); err != nil {
		return ChunkReply{}, fmt.Errorf("bad reply: %w", err)
	}
	return reply, nil
}

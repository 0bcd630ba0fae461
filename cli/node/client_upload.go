package node

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
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
	sent, err := c.upload(ctx, ArtifactPut{Digest: digest, Size: int64(len(blob))}, bytes.NewReader(blob), "artifact")
	return digest, sent, err
}

// UploadImageBlob streams the size bytes of r, an OCI image's blob whose
// digest is "sha256:<hex>", into the node's store, unless it is there;
// the node checks the digest as the bytes arrive and holds none of them.
// It reports whether the bytes were sent.
func (c *Client) UploadImageBlob(ctx context.Context, digest string, size int64, r io.Reader) (bool, error) {
	hexDigest, ok := strings.CutPrefix(digest, "sha256:")
	if !ok {
		return false, fmt.Errorf("upload image blob %s: not a sha256 digest", digest)
	}
	return c.upload(ctx, ArtifactPut{Digest: hexDigest, Size: size, Image: true}, r, "image blob")
}

func (c *Client) upload(ctx context.Context, put ArtifactPut, r io.Reader, what string) (bool, error) {
	var session ArtifactPutReply
	if err := c.Control(ctx, MethodArtifactPut, put, &session); err != nil {
		return false, err
	}
	if session.Exists {
		return false, nil
	}
	if session.ID == "" || session.Node == "" {
		return false, fmt.Errorf("upload %s %s: the node opened no session", what, put.Digest)
	}
	subject := NodeAPI(session.Node, ArtifactAPI)
	buf := make([]byte, UploadChunk)
	for off := int64(0); off < put.Size; {
		n, err := io.ReadFull(r, buf[:min(int64(UploadChunk), put.Size-off)])
		if err != nil {
			return false, fmt.Errorf("upload %s %s: read at byte %d: %w", what, put.Digest, off, err)
		}
		end := off + int64(n)
		msg := nats.NewMsg(subject)
		msg.Header.Set(UploadIDHeader, session.ID)
		msg.Header.Set(UploadOffsetHeader, strconv.FormatInt(off, 10))
		final := end == put.Size
		if final {
			msg.Header.Set(UploadFinalHeader, "true")
		}
		msg.Data = buf[:n]
		reply, err := c.sendChunk(ctx, msg, final)
		if err != nil {
			return false, fmt.Errorf("upload %s %s at byte %d: %w", what, put.Digest, off, err)
		}
		if reply.Error != "" {
			if !strings.Contains(reply.Error, put.Digest) {
				return false, fmt.Errorf("upload %s %s refused by the node: %s", what, put.Digest, reply.Error)
			}
			return false, fmt.Errorf("upload refused by the node: %s", reply.Error)
		}
		if reply.Received != end || final && !reply.Stored {
			return false, fmt.Errorf("upload %s %s: the node has %d bytes, sent %d", what, put.Digest, reply.Received, end)
		}
		off = end
	}
	return true, nil
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

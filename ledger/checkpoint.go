package ledger

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/vault-runtime/vault/events"
)

// ErrBadCheckpoint marks a checkpoint that does not parse or verify.
var ErrBadCheckpoint = errors.New("ledger: bad checkpoint")

// Checkpoint is the body of a C2SP tlog-checkpoint: the log's origin, the
// tree size and the RFC 6962 root hash, one per line, then optional
// extension lines. It travels as a signed note.
type Checkpoint struct {
	Origin string
	Size   uint64
	Root   tlog.Hash
}

// Origin names a Vault ledger in checkpoints: "vault/<genesis id>".
func Origin(ledgerID string) string { return "vault/" + ledgerID }

// Text is the checkpoint body as signed.
func (c Checkpoint) Text() string {
	return fmt.Sprintf("%s\n%d\n%s\n", c.Origin, c.Size, base64.StdEncoding.EncodeToString(c.Root[:]))
}

// ParseCheckpoint reads a checkpoint body strictly: a non-empty origin, a
// decimal size without leading zeros, a standard base64 32-byte root,
// each ending in a newline; extension lines after them are allowed.
func ParseCheckpoint(text string) (Checkpoint, error) {
	bad := func(format string, args ...any) (Checkpoint, error) {
		return Checkpoint{}, fmt.Errorf("parse checkpoint: "+format+": %w", append(args, ErrBadCheckpoint)...)
	}
	lines := strings.SplitAfterN(text, "\n", 4)
	if len(lines) < 3 || !strings.HasSuffix(lines[2], "\n") {
		return bad("want origin, size and root lines")
	}
	origin := strings.TrimSuffix(lines[0], "\n")
	sizeText := strings.TrimSuffix(lines[1], "\n")
	rootText := strings.TrimSuffix(lines[2], "\n")
	if origin == "" || strings.ContainsAny(origin, "\x00\r\t") {
		return bad("empty or invalid origin")
	}
	size, err := strconv.ParseUint(sizeText, 10, 64)
	if err != nil || (len(sizeText) > 1 && sizeText[0] == '0') || strings.HasPrefix(sizeText, "+") {
		return bad("size %q", sizeText)
	}
	root, err := base64.StdEncoding.Strict().DecodeString(rootText)
	if err != nil || len(root) != tlog.HashSize {
		return bad("root hash %q", rootText)
	}
	if len(lines) == 4 && lines[3] != "" {
		for _, ext := range strings.SplitAfter(lines[3], "\n") {
			if ext == "\n" || ext != "" && !strings.HasSuffix(ext, "\n") {
				return bad("extension lines must be non-empty and end in a newline")
			}
		}
	}
	c := Checkpoint{Origin: origin, Size: size}
	copy(c.Root[:], root)
	return c, nil
}

// SignCheckpoint signs c as a note.
func SignCheckpoint(c Checkpoint, signer note.Signer) ([]byte, error) {
	msg, err := note.Sign(&note.Note{Text: c.Text()}, signer)
	if err != nil {
		return nil, fmt.Errorf("sign checkpoint at size %d: %w", c.Size, err)
	}
	return msg, nil
}

// OpenCheckpoint verifies a signed checkpoint note against verifiers and
// parses its body. The note must name the expected origin.
func OpenCheckpoint(msg []byte, origin string, verifiers note.Verifiers) (Checkpoint, *note.Note, error) {
	n, err := note.Open(msg, verifiers)
	if err != nil {
		return Checkpoint{}, nil, fmt.Errorf("open checkpoint: %v: %w", err, ErrBadCheckpoint)
	}
	c, err := ParseCheckpoint(n.Text)
	if err != nil {
		return Checkpoint{}, nil, err
	}
	if c.Origin != origin {
		return Checkpoint{}, nil, fmt.Errorf("checkpoint origin %q, want %q: %w", c.Origin, origin, ErrBadCheckpoint)
	}
	return c, n, nil
}

// noteSigner signs notes with an ed25519 events.Signer. The key name is
// the checkpoint origin, as C2SP recommends.
type noteSigner struct {
	name string
	hash uint32
	s    *events.Signer
}

// NoteSigner adapts s to sign notes under name.
func NoteSigner(name string, s *events.Signer) note.Signer {
	return &noteSigner{name: name, hash: noteKeyHash(name, s.Public()), s: s}
}

func (n *noteSigner) Name() string                    { return n.name }
func (n *noteSigner) KeyHash() uint32                 { return n.hash }
func (n *noteSigner) Sign(msg []byte) ([]byte, error) { return n.s.Sign(msg), nil }

// NoteVerifier verifies notes signed by pub under name.
func NoteVerifier(name string, pub ed25519.PublicKey) (note.Verifier, error) {
	vkey, err := note.NewEd25519VerifierKey(name, pub)
	if err != nil {
		return nil, fmt.Errorf("note verifier for %s: %w", name, err)
	}
	return note.NewVerifier(vkey)
}

// noteKeyHash is the note format's key hash: the first four bytes of
// SHA-256(name || "\n" || 0x01 || public key).
func noteKeyHash(name string, pub ed25519.PublicKey) uint32 {
	h := sha256.New()
	h.Write([]byte(name + "\n"))
	h.Write(append([]byte{0x01}, pub...))
	return binary.BigEndian.Uint32(h.Sum(nil))
}

// LogVerifiers returns a note verifier for every key in kr that holds the
// log role, under the ledger's origin.
func LogVerifiers(origin string, kr *events.Keyring) (note.Verifiers, error) {
	var vs []note.Verifier
	for _, k := range kr.Keys {
		if !k.Has(events.RoleLog) {
			continue
		}
		v, err := NoteVerifier(origin, k.PublicKey)
		if err != nil {
			return nil, err
		}
		vs = append(vs, v)
	}
	return note.VerifierList(vs...), nil
}

// PeekCheckpoint parses a signed checkpoint's body without verifying its
// signatures, to learn its size and origin.
func PeekCheckpoint(msg []byte) (Checkpoint, error) { return ParseCheckpoint(noteText(msg)) }

package ledger

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"golang.org/x/mod/sumdb/note"

	"github.com/vault-runtime/vault/events"
)

// Witnesses' cosignatures are C2SP tlog-cosignature v1 (Ed25519): a note
// signature line under the witness's key name whose signature is an 8-byte
// big-endian POSIX timestamp followed by an Ed25519 signature over
// "cosignature/v1\ntime <timestamp>\n" and the checkpoint body. The key
// hash uses the signature type 0x04, so a cosignature can never be
// mistaken for a plain note signature (type 0x01) by the same key.

// CosignatureSubjects are the COSIGNATURES stream's subjects; one
// cosignature is published on CosignatureSubject(size, witness key ID).
const CosignatureSubjects = "ledger.cosignatures.>"

// ErrBadCosignature marks a cosignature that does not parse or verify.
var ErrBadCosignature = errors.New("ledger: bad cosignature")

const (
	witnessNamePrefix = "vault-witness/"
	cosignatureAlg    = 0x04
	cosignatureSize   = 8 + ed25519.SignatureSize
)

// CosignatureSubject is where a witness publishes its cosignature of the
// checkpoint of size records.
func CosignatureSubject(size uint64, witnessKeyID string) string {
	return "ledger.cosignatures." + strconv.FormatUint(size, 10) + "." + witnessKeyID
}

// CosignatureStreamConfig keeps witnesses' cosignatures. Each message is a
// checkpoint body with one witness's signature line (a signed note).
func CosignatureStreamConfig() jetstream.StreamConfig {
	return jetstream.StreamConfig{
		Name:        CosignatureStream,
		Description: "Vault checkpoint cosignatures by witnesses (C2SP cosignature/v1)",
		Subjects:    []string{CosignatureSubjects},
		Storage:     jetstream.FileStorage,
		MaxMsgs:     -1,
		MaxBytes:    -1,
		MaxMsgSize:  16 << 10,
		DenyDelete:  true,
		DenyPurge:   true,
		AllowDirect: true,
	}
}

// WitnessName is the note key name a witness key cosigns under.
func WitnessName(keyID string) string { return witnessNamePrefix + keyID }

// cosignedMessage is what a cosignature/v1 signs for a checkpoint body.
func cosignedMessage(text []byte, ts uint64) []byte {
	msg := fmt.Appendf(nil, "cosignature/v1\ntime %d\n", ts)
	return append(msg, text...)
}

func cosignatureKeyHash(name string, pub ed25519.PublicKey) uint32 {
	h := sha256.New()
	h.Write([]byte(name + "\n"))
	h.Write(append([]byte{cosignatureAlg}, pub...))
	return binary.BigEndian.Uint32(h.Sum(nil))
}

type cosignatureSigner struct {
	name string
	hash uint32
	key  *events.Signer
	now  func() time.Time
}

// CosignatureSigner signs checkpoints as the witness key s, with
// timestamps from now (nil: time.Now).
func CosignatureSigner(s *events.Signer, now func() time.Time) note.Signer {
	if now == nil {
		now = time.Now
	}
	name := WitnessName(s.ID)
	return &cosignatureSigner{name: name, hash: cosignatureKeyHash(name, s.Public()), key: s, now: now}
}

func (c *cosignatureSigner) Name() string    { return c.name }
func (c *cosignatureSigner) KeyHash() uint32 { return c.hash }
func (c *cosignatureSigner) Sign(text []byte) ([]byte, error) {
	ts := uint64(max(c.now().Unix(), 0))
	sig := binary.BigEndian.AppendUint64(make([]byte, 0, cosignatureSize), ts)
	return append(sig, c.key.Sign(cosignedMessage(text, ts))...), nil
}

type cosignatureVerifier struct {
	name string
	hash uint32
	pub  ed25519.PublicKey
}

// CosignatureVerifier verifies cosignatures by the witness key pub, whose
// key ID is keyID.
func CosignatureVerifier(keyID string, pub ed25519.PublicKey) note.Verifier {
	name := WitnessName(keyID)
	return &cosignatureVerifier{name: name, hash: cosignatureKeyHash(name, pub), pub: pub}
}

func (v *cosignatureVerifier) Name() string    { return v.name }
func (v *cosignatureVerifier) KeyHash() uint32 { return v.hash }
func (v *cosignatureVerifier) Verify(text, sig []byte) bool {
	if len(sig) != cosignatureSize || len(v.pub) != ed25519.PublicKeySize {
		return false
	}
	ts := binary.BigEndian.Uint64(sig)
	return ts <= math.MaxInt64 && ed25519.Verify(v.pub, cosignedMessage(text, ts), sig[8:])
}

// Cosignature is one witness's cosignature of a checkpoint, as carried in
// the COSIGNATURES stream.
type Cosignature struct {
	Checkpoint Checkpoint
	// Witness is the key ID named by the signature line.
	Witness string
	Time    time.Time
}

// ParseCosignature decodes a cosignature message without verifying it: a
// signed note whose body is a checkpoint and which carries exactly one
// signature line under a witness name, of the cosignature/v1 size. Other
// signature lines (the log's, say) are allowed and ignored.
func ParseCosignature(msg []byte) (Cosignature, error) {
	bad := func(format string, args ...any) (Cosignature, error) {
		return Cosignature{}, fmt.Errorf("parse cosignature: "+format+": %w", append(args, ErrBadCosignature)...)
	}
	// With no known verifiers, note.Open parses and returns every line
	// unverified: one parser for notes, the library's.
	_, err := note.Open(msg, note.VerifierList())
	var unverified *note.UnverifiedNoteError
	if !errors.As(err, &unverified) {
		return bad("not a signed note (%v)", err)
	}
	n := unverified.Note
	var c Cosignature
	var found bool
	for _, s := range n.UnverifiedSigs {
		id, ok := strings.CutPrefix(s.Name, witnessNamePrefix)
		if !ok {
			continue
		}
		if found {
			return bad("more than one witness signature")
		}
		sig, err := base64.StdEncoding.DecodeString(s.Base64)
		if err != nil || len(sig) != 4+cosignatureSize {
			return bad("witness %s: signature is not a cosignature/v1", id)
		}
		ts := binary.BigEndian.Uint64(sig[4:])
		if id == "" || ts > math.MaxInt64 {
			return bad("witness %q: bad name or timestamp", id)
		}
		c.Witness, c.Time, found = id, time.Unix(int64(ts), 0).UTC(), true
	}
	if !found {
		return bad("no witness signature")
	}
	cp, err := ParseCheckpoint(n.Text)
	if err != nil {
		return bad("%v", err)
	}
	c.Checkpoint = cp
	return c, nil
}

// OpenCosignature parses a cosignature and verifies it: its witness must
// hold the witness role in kr, its signature must verify and the
// checkpoint must name origin. It does not check the log's signature.
func OpenCosignature(msg []byte, origin string, kr *events.Keyring) (Cosignature, error) {
	c, err := ParseCosignature(msg)
	if err != nil {
		return Cosignature{}, err
	}
	var k *events.Key
	if kr != nil {
		k = kr.Keys[c.Witness]
	}
	switch {
	case k == nil:
		return c, fmt.Errorf("cosignature by unknown key %s: %w", c.Witness, ErrBadCosignature)
	case !k.Has(events.RoleWitness):
		return c, fmt.Errorf("cosignature by key %s, which does not hold the witness role: %w", c.Witness, ErrBadCosignature)
	}
	if _, err := note.Open(msg, note.VerifierList(CosignatureVerifier(k.ID, k.PublicKey))); err != nil {
		return c, fmt.Errorf("cosignature by %s: %v: %w", c.Witness, err, ErrBadCosignature)
	}
	if c.Checkpoint.Origin != origin {
		return c, fmt.Errorf("cosignature by %s: origin %q, want %q: %w", c.Witness, c.Checkpoint.Origin, origin, ErrBadCosignature)
	}
	return c, nil
}

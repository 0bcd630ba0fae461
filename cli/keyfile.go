package cli

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"filippo.io/age"
	"filippo.io/age/armor"

	"github.com/vault-runtime/vault/events"
)

// Key files hold one private key, mode 0600. A protected file is an
// ASCII-armored age file (scrypt recipient: passphrase-derived key, the
// work factor recorded in the file) around the keyFile JSON; `age -d`
// opens it too. A plaintext file, made only by
// `vault init --insecure-plaintext-keys`, is the JSON itself.

// keyFile is the JSON form of a private key.
type keyFile struct {
	Kind string    `json:"kind"`
	ID   string    `json:"id"`
	Seed seedBytes `json:"seed"`
}

// seedBytes decodes strict base64 (a changed padding bit is an error, not
// the same seed) straight from the file's buffer, leaving no copy of the
// seed's text behind.
type seedBytes []byte

func (s *seedBytes) UnmarshalJSON(data []byte) error {
	if len(data) < 2 || data[0] != '"' || data[len(data)-1] != '"' {
		return errors.New("seed is not a base64 string")
	}
	text := data[1 : len(data)-1]
	b := make([]byte, base64.StdEncoding.DecodedLen(len(text)))
	n, err := base64.StdEncoding.Strict().Decode(b, text)
	if err != nil {
		clear(b)
		return errors.New("seed is not strict base64")
	}
	*s = b[:n]
	return nil
}

// Work factors (log2 of scrypt's N) accepted for key files. Every CLI
// command decrypts the operator key, so the cost is paid often.
const (
	defaultKeyWorkFactor = 18 // age's default: about a second on a fast machine
	minKeyWorkFactor     = 10
	maxKeyWorkFactor     = 22
)

// maxKeyFileJSON bounds a decrypted key file; a real one is about 120 bytes.
const maxKeyFileJSON = 1024

// errWrongPassphrase is what a key file that does not open reports. age
// cannot tell a wrong passphrase from a damaged scrypt stanza.
var errWrongPassphrase = errors.New("wrong passphrase (or the key file's header is damaged)")

// keyProtection says how a new key file is written.
type keyProtection struct {
	// Plaintext writes the seed unencrypted, for throwaway setups.
	Plaintext bool
	// Passphrase is required unless Plaintext.
	Passphrase string
	// WorkFactor is scrypt's log2 N; zero means defaultKeyWorkFactor.
	WorkFactor int
}

// loadKey reads the key file at path, asking for its passphrase (from
// $VAULT_PASSPHRASE or the terminal) if it is encrypted.
func loadKey(path string) (*events.Signer, error) {
	p := newPassphrase(os.Stderr)
	return readKeyFile(path, func() (string, error) { return p.get(path, false) }, os.Stderr)
}

// writeKeyFile creates path (it must not exist) with s, protected as p says.
func writeKeyFile(path string, s *events.Signer, p keyProtection) error {
	plain := marshalKeyFile(s)
	defer clear(plain)
	data := plain
	if !p.Plaintext {
		var err error
		if data, err = encryptKeyFile(plain, p); err != nil {
			return fmt.Errorf("save key %s: %w", path, err)
		}
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("save key: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("save key: %w", err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("save key %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("save key %s: %w", path, err)
	}
	return f.Close()
}

// marshalKeyFile lays out the key file JSON by hand, so that the seed is
// in no buffer but the returned one (encoding/json pools its buffers).
func marshalKeyFile(s *events.Signer) []byte {
	seed := s.Seed()
	defer clear(seed)
	out := make([]byte, 0, 64+len(s.ID)+base64.StdEncoding.EncodedLen(len(seed)))
	out = append(out, "{\n  \"kind\": \"ed25519\",\n  \"id\": \""...)
	out = append(out, s.ID...)
	out = append(out, "\",\n  \"seed\": \""...)
	out = base64.StdEncoding.AppendEncode(out, seed)
	return append(out, "\"\n}\n"...)
}

func encryptKeyFile(plain []byte, p keyProtection) ([]byte, error) {
	wf := p.WorkFactor
	if wf == 0 {
		wf = defaultKeyWorkFactor
	}
	if wf < minKeyWorkFactor || wf > maxKeyWorkFactor {
		return nil, fmt.Errorf("key work factor %d: want %d to %d", wf, minKeyWorkFactor, maxKeyWorkFactor)
	}
	r, err := age.NewScryptRecipient(p.Passphrase)
	if err != nil {
		return nil, err
	}
	r.SetWorkFactor(wf)
	var out bytes.Buffer
	aw := armor.NewWriter(&out)
	w, err := age.Encrypt(aw, r)
	if err != nil {
		return nil, err
	}
	if _, err := w.Write(plain); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	if err := aw.Close(); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

// readKeyFile loads the key at path. passphrase is called only if the
// file is encrypted; a plaintext file is reported on warn every time.
// The key is locked into RAM where the system allows.
func readKeyFile(path string, passphrase func() (string, error), warn io.Writer) (*events.Signer, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("load key: %w", err)
	}
	defer clear(data)
	var plain []byte
	switch {
	case bytes.HasPrefix(data, []byte(armor.Header)):
		pass, err := passphrase()
		if err != nil {
			return nil, fmt.Errorf("load key %s: %w", path, err)
		}
		if plain, err = decryptKeyFile(data, pass); err != nil {
			return nil, fmt.Errorf("load key %s: %w", path, err)
		}
		defer clear(plain)
	case bytes.HasPrefix(data, []byte("{")):
		fmt.Fprintf(warn, "vault: WARNING: %s holds an UNENCRYPTED private key (made with --insecure-plaintext-keys); anyone who can read it can sign as this key\n", path)
		plain = data
	default:
		return nil, fmt.Errorf("load key %s: not a vault key file", path)
	}
	s, err := parseKeyFile(plain)
	if err != nil {
		return nil, fmt.Errorf("load key %s: %w", path, err)
	}
	lockKey(s, warn)
	return s, nil
}

func decryptKeyFile(data []byte, pass string) ([]byte, error) {
	id, err := age.NewScryptIdentity(pass)
	if err != nil {
		return nil, err
	}
	id.SetMaxWorkFactor(maxKeyWorkFactor)
	r, err := age.Decrypt(armor.NewReader(bytes.NewReader(data)), id)
	var noMatch *age.NoIdentityMatchError
	if errors.As(err, &noMatch) {
		return nil, errWrongPassphrase
	}
	if err != nil {
		return nil, fmt.Errorf("damaged key file: %w", err)
	}
	// One fixed buffer, rather than io.ReadAll's growing copies, so that
	// the plaintext can be wiped.
	buf := make([]byte, maxKeyFileJSON+1)
	n, err := io.ReadFull(r, buf)
	if err != io.ErrUnexpectedEOF {
		clear(buf)
		if err == nil {
			return nil, errors.New("damaged key file: too long")
		}
		return nil, fmt.Errorf("damaged key file: %w", err)
	}
	return buf[:n], nil
}

func parseKeyFile(plain []byte) (*events.Signer, error) {
	var kf keyFile
	defer func() { clear(kf.Seed[:cap(kf.Seed)]) }()
	if err := json.Unmarshal(plain, &kf); err != nil {
		return nil, fmt.Errorf("damaged key file: %w", err)
	}
	if kf.Kind != "ed25519" {
		return nil, fmt.Errorf("key kind %q: want ed25519", kf.Kind)
	}
	s, err := events.NewSigner(kf.Seed)
	if err != nil {
		return nil, err
	}
	if s.ID != kf.ID {
		s.Wipe()
		return nil, fmt.Errorf("id %s does not match the key (%s)", kf.ID, s.ID)
	}
	return s, nil
}

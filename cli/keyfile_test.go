package cli

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"filippo.io/age/armor"
	"golang.org/x/term"

	"github.com/vault-runtime/vault/events"
)

const testPassphrase = "correct horse battery staple"

// newKeyFile writes a fresh key to a temporary file, protected as p says.
func newKeyFile(t *testing.T, p keyProtection) (*events.Signer, string) {
	t.Helper()
	s, err := events.GenerateSigner()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "keys", "test.key")
	if err := writeKeyFile(path, s, p); err != nil {
		t.Fatal(err)
	}
	return s, path
}

func fixedPassphrase(p string) func() (string, error) {
	return func() (string, error) { return p, nil }
}

// seedForms are the ways a seed could leak into a file or a message.
func seedForms(s *events.Signer) map[string][]byte {
	seed := s.Seed()
	return map[string][]byte{
		"raw":    seed,
		"base64": []byte(base64.StdEncoding.EncodeToString(seed)),
		"hex":    []byte(hex.EncodeToString(seed)),
	}
}

func TestKeyFileEncrypted(t *testing.T) {
	s, path := newKeyFile(t, keyProtection{Passphrase: testPassphrase, WorkFactor: minKeyWorkFactor})
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}

	t.Run("RoundTrip", func(t *testing.T) {
		var warn bytes.Buffer
		got, err := readKeyFile(path, fixedPassphrase(testPassphrase), &warn)
		if err != nil {
			t.Fatal(err)
		}
		if got.ID != s.ID || !bytes.Equal(got.Seed(), s.Seed()) {
			t.Fatalf("loaded key %s, want %s", got.ID, s.ID)
		}
		if strings.Contains(warn.String(), "UNENCRYPTED") {
			t.Fatalf("warned about an encrypted key: %q", warn.String())
		}
	})
	t.Run("Mode0600", func(t *testing.T) {
		st, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != 0o600 {
			t.Fatalf("mode %v, want 0600", st.Mode().Perm())
		}
	})
	t.Run("NoSeedInFile", func(t *testing.T) {
		if !bytes.HasPrefix(data, []byte(armor.Header)) {
			t.Fatalf("not an armored age file:\n%s", data)
		}
		for form, b := range seedForms(s) {
			if bytes.Contains(data, b) {
				t.Errorf("file holds the seed (%s)", form)
			}
		}
	})
	t.Run("WorkFactorRecorded", func(t *testing.T) {
		header, err := io.ReadAll(io.LimitReader(armor.NewReader(bytes.NewReader(data)), 100))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(header, []byte("\n-> scrypt ")) || !bytes.Contains(header, []byte(" 10\n")) {
			t.Fatalf("age header does not name scrypt with work factor 10:\n%q", header)
		}
	})
	t.Run("ErrWrongPassphrase", func(t *testing.T) {
		_, err := readKeyFile(path, fixedPassphrase("Correct horse battery staple"), io.Discard)
		if !errors.Is(err, errWrongPassphrase) || !strings.Contains(err.Error(), "wrong passphrase") {
			t.Fatalf("got %v, want a wrong-passphrase error", err)
		}
		for form, b := range seedForms(s) {
			if strings.Contains(err.Error(), string(b)) {
				t.Errorf("error mentions the seed (%s): %v", form, err)
			}
		}
		if strings.Contains(err.Error(), s.ID) {
			t.Errorf("error names the key: %v", err)
		}
	})
	t.Run("FlippedByte", func(t *testing.T) {
		bad := filepath.Join(t.TempDir(), "bad.key")
		for i := range data {
			flipped := bytes.Clone(data)
			flipped[i] ^= 0x01
			if err := os.WriteFile(bad, flipped, 0o600); err != nil {
				t.Fatal(err)
			}
			if got, err := readKeyFile(bad, fixedPassphrase(testPassphrase), io.Discard); err == nil {
				t.Fatalf("byte %d flipped: loaded key %s", i, got.ID)
			}
		}
	})
	t.Run("PassphraseFromEnv", func(t *testing.T) {
		t.Setenv(passphraseEnv, testPassphrase)
		got, err := loadKey(path)
		if err != nil || got.ID != s.ID {
			t.Fatalf("loadKey: %v", err)
		}
	})
	t.Run("NoPassphrase", func(t *testing.T) {
		if term.IsTerminal(int(os.Stdin.Fd())) {
			t.Skip("stdin is a terminal: loadKey would prompt")
		}
		t.Setenv(passphraseEnv, "")
		if _, err := loadKey(path); err == nil || !strings.Contains(err.Error(), passphraseEnv) {
			t.Fatalf("got %v, want an error that names %s", err, passphraseEnv)
		}
	})
	t.Run("PassphraseAskedOnce", func(t *testing.T) {
		t.Setenv(passphraseEnv, testPassphrase)
		p := newPassphrase(io.Discard)
		if v, err := p.get(path, false); err != nil || v != testPassphrase {
			t.Fatalf("get: %q %v", v, err)
		}
		t.Setenv(passphraseEnv, "changed")
		if v, _ := p.get(path, true); v != testPassphrase {
			t.Fatalf("second get gave %q, want the first passphrase", v)
		}
	})
}

func TestKeyFilePlaintext(t *testing.T) {
	s, path := newKeyFile(t, keyProtection{Plaintext: true})
	noPassphrase := func() (string, error) {
		t.Error("asked for a passphrase for a plaintext key")
		return "", errors.New("no passphrase")
	}

	t.Run("RoundTripWarns", func(t *testing.T) {
		var warn bytes.Buffer
		got, err := readKeyFile(path, noPassphrase, &warn)
		if err != nil || got.ID != s.ID {
			t.Fatalf("load: %v", err)
		}
		if !strings.Contains(warn.String(), "UNENCRYPTED") || !strings.Contains(warn.String(), path) {
			t.Fatalf("warning %q, want one that names %s as UNENCRYPTED", warn.String(), path)
		}
	})
	t.Run("Mode0600", func(t *testing.T) {
		st, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != 0o600 {
			t.Fatalf("mode %v, want 0600", st.Mode().Perm())
		}
	})
	t.Run("FlippedByte", func(t *testing.T) {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		bad := filepath.Join(t.TempDir(), "bad.key")
		for i := range data {
			flipped := bytes.Clone(data)
			flipped[i] ^= 0x01
			if err := os.WriteFile(bad, flipped, 0o600); err != nil {
				t.Fatal(err)
			}
			if got, err := readKeyFile(bad, noPassphrase, io.Discard); err == nil {
				t.Fatalf("byte %d flipped (%q): loaded key %s", i, flipped, got.ID)
			}
		}
	})
}

func TestKeyFileErrors(t *testing.T) {
	s, _ := events.GenerateSigner()
	dir := t.TempDir()
	t.Run("WorkFactorOutOfRange", func(t *testing.T) {
		for _, wf := range []int{minKeyWorkFactor - 1, maxKeyWorkFactor + 1} {
			if err := writeKeyFile(filepath.Join(dir, "wf.key"), s, keyProtection{Passphrase: "p", WorkFactor: wf}); err == nil {
				t.Errorf("work factor %d accepted", wf)
			}
		}
	})
	t.Run("EmptyPassphrase", func(t *testing.T) {
		if err := writeKeyFile(filepath.Join(dir, "empty.key"), s, keyProtection{WorkFactor: minKeyWorkFactor}); err == nil {
			t.Error("an empty passphrase was accepted")
		}
	})
	t.Run("ExistingFileKept", func(t *testing.T) {
		path := filepath.Join(dir, "existing.key")
		os.WriteFile(path, []byte("keep me"), 0o600)
		if err := writeKeyFile(path, s, keyProtection{Plaintext: true}); err == nil {
			t.Error("an existing file was overwritten")
		}
		if b, _ := os.ReadFile(path); string(b) != "keep me" {
			t.Errorf("file now holds %q", b)
		}
	})
	t.Run("NotAKeyFile", func(t *testing.T) {
		path := filepath.Join(dir, "other.key")
		os.WriteFile(path, []byte("-----BEGIN PRIVATE KEY-----\n"), 0o600)
		if _, err := readKeyFile(path, fixedPassphrase("p"), io.Discard); err == nil || !strings.Contains(err.Error(), "not a vault key file") {
			t.Errorf("got %v", err)
		}
	})
}

func TestLoadOperatorKeyOnce(t *testing.T) {
	config := t.TempDir()
	t.Setenv("VAULT_CONFIG", config)
	s, _ := events.GenerateSigner()
	if err := writeKeyFile(filepath.Join(config, "operator.key"), s, keyProtection{Passphrase: testPassphrase, WorkFactor: minKeyWorkFactor}); err != nil {
		t.Fatal(err)
	}
	t.Setenv(passphraseEnv, "wrong")
	if _, err := loadOperatorKey(); !errors.Is(err, errWrongPassphrase) {
		t.Fatalf("got %v, want errWrongPassphrase", err)
	}
	t.Setenv(passphraseEnv, testPassphrase)
	first, err := loadOperatorKey()
	if err != nil || first.ID != s.ID {
		t.Fatalf("load: %v", err)
	}
	// Opened once: the passphrase is not needed again.
	t.Setenv(passphraseEnv, "wrong")
	if again, err := loadOperatorKey(); err != nil || again != first {
		t.Fatalf("second load: %v, want the same signer", err)
	}
}

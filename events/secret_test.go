package events

import (
	"errors"
	"strings"
	"testing"
)

func TestSecretPutCheck(t *testing.T) {
	valid := func() SecretPut {
		return SecretPut{Function: "shop", Key: "API_TOKEN", Ciphertext: []byte("age-encryption.org/v1\n-> X25519 abc\n"),
			Recipients: []string{"node1", "operator"}}
	}
	if p := valid(); p.Check() != nil {
		t.Fatalf("a valid body: %v", p.Check())
	}
	for name, tc := range map[string]struct {
		edit func(*SecretPut)
		want string
	}{
		"lower-case key":   {func(p *SecretPut) { p.Key = "dbPassword" }, ""},
		"underscore first": {func(p *SecretPut) { p.Key = "_X" }, ""},
		"largest ciphertext": {func(p *SecretPut) {
			p.Ciphertext = append(p.Ciphertext, make([]byte, MaxSecretCiphertext-len(p.Ciphertext))...)
		}, ""},
		"ciphertext too large":  {func(p *SecretPut) { p.Ciphertext = append(p.Ciphertext, make([]byte, MaxSecretCiphertext)...) }, "is over"},
		"digit first":           {func(p *SecretPut) { p.Key = "1KEY" }, "a key is a letter"},
		"dash in key":           {func(p *SecretPut) { p.Key = "API-TOKEN" }, "a key is a letter"},
		"key too long":          {func(p *SecretPut) { p.Key = strings.Repeat("K", 65) }, "a key is a letter"},
		"empty key":             {func(p *SecretPut) { p.Key = "" }, "a key is a letter"},
		"bad function":          {func(p *SecretPut) { p.Function = "Shop" }, "not a function name"},
		"plaintext":             {func(p *SecretPut) { p.Ciphertext = []byte("hunter2") }, "not in age's binary format"},
		"armored":               {func(p *SecretPut) { p.Ciphertext = []byte("-----BEGIN AGE ENCRYPTED FILE-----\n") }, "not in age's binary format"},
		"no recipients":         {func(p *SecretPut) { p.Recipients = nil }, "0 recipients"},
		"recipient named twice": {func(p *SecretPut) { p.Recipients = []string{"a", "b", "a"} }, "named twice"},
		"too many recipients":   {func(p *SecretPut) { p.Recipients = make([]string, MaxSecretRecipients+1) }, "recipients, want 1 to"},
	} {
		t.Run(name, func(t *testing.T) {
			p := valid()
			tc.edit(&p)
			err := p.Check()
			if tc.want == "" {
				if err != nil {
					t.Fatalf("Check() = %v, want nil", err)
				}
				return
			}
			if !errors.Is(err, ErrInvalidEvent) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Check() = %v, want ErrInvalidEvent containing %q", err, tc.want)
			}
		})
	}
}

func TestSecretRemovedCheck(t *testing.T) {
	if err := (&SecretRemoved{Function: "shop", Key: "API_TOKEN"}).Check(); err != nil {
		t.Fatalf("a valid body: %v", err)
	}
	if err := (&SecretRemoved{Function: "shop", Key: "API TOKEN"}).Check(); !errors.Is(err, ErrInvalidEvent) {
		t.Fatalf("a key with a space: %v, want ErrInvalidEvent", err)
	}
}

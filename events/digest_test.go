package events

import "testing"

// TestDigest pins Digest to lower-case hex SHA-256: deploy records and the
// artifact store name blobs by it, so a change would orphan every stored
// artifact.
func TestDigest(t *testing.T) {
	for blob, want := range map[string]string{
		"":      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
		"hello": "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824",
	} {
		if got := Digest([]byte(blob)); got != want {
			t.Errorf("Digest(%q) = %s, want %s", blob, got, want)
		}
	}
}

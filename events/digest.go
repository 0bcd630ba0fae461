package events

import (
	"crypto/sha256"
	"encoding/hex"
)

// Digest is the content address of a blob (an artifact, and what deploy
// records name): hex SHA-256.
func Digest(blob []byte) string {
	sum := sha256.Sum256(blob)
	return hex.EncodeToString(sum[:])
}

package isolate

import (
	"crypto/cipher"
	"crypto/subtle"
	"encoding/binary"
)

// aesKWIV is RFC 3394's default initial value (section 2.2.3.1).
var aesKWIV = [8]byte{0xA6, 0xA6, 0xA6, 0xA6, 0xA6, 0xA6, 0xA6, 0xA6}

// aesKeyWrap is the RFC 3394 key wrap (section 2.2.1, the indexed form),
// which Go's standard library does not have. The data must be at least
// two 64-bit blocks, whole ones.
func aesKeyWrap(block cipher.Block, data []byte) ([]byte, error) {
	if len(data) < 16 || len(data)%8 != 0 {
		return nil, errOperation("AES-KW wraps a multiple of 8 bytes, at least 16")
	}
	n := len(data) / 8
	out := make([]byte, 8+len(data))
	copy(out[8:], data)
	var a [8]byte = aesKWIV
	var b [16]byte
	for j := 0; j <= 5; j++ {
		for i := 1; i <= n; i++ {
			copy(b[:8], a[:])
			copy(b[8:], out[8*i:8*i+8])
			block.Encrypt(b[:], b[:])
			t := uint64(n*j + i)
			binary.BigEndian.PutUint64(a[:], binary.BigEndian.Uint64(b[:8])^t)
			copy(out[8*i:], b[8:])
		}
	}
	copy(out[:8], a[:])
	return out, nil
}

// aesKeyUnwrap reverses aesKeyWrap (RFC 3394 section 2.2.2) and checks the
// integrity value in constant time.
func aesKeyUnwrap(block cipher.Block, data []byte) ([]byte, error) {
	if len(data) < 24 || len(data)%8 != 0 {
		return nil, errOperation("AES-KW unwraps a multiple of 8 bytes, at least 24")
	}
	n := len(data)/8 - 1
	out := make([]byte, len(data)-8)
	copy(out, data[8:])
	var a [8]byte
	copy(a[:], data[:8])
	var b [16]byte
	for j := 5; j >= 0; j-- {
		for i := n; i >= 1; i-- {
			t := uint64(n*j + i)
			binary.BigEndian.PutUint64(b[:8], binary.BigEndian.Uint64(a[:])^t)
			copy(b[8:], out[8*(i-1):8*i])
			block.Decrypt(b[:], b[:])
			copy(a[:], b[:8])
			copy(out[8*(i-1):], b[8:])
		}
	}
	if subtle.ConstantTimeCompare(a[:], aesKWIV[:]) != 1 {
		return nil, errOperation("AES-KW integrity check failed")
	}
	return out, nil
}

package isolate

import (
	"crypto/aes"
	"crypto/cipher"
	"encoding/binary"
	"math/bits"
)

// aesCTR is AES-CTR as Web Crypto defines it: only the rightmost length
// bits of the counter block count, and they wrap without carrying into the
// rest (Go's cipher.NewCTR increments all 128 bits, which gives other
// output once the counter wraps). A message needing more blocks than the
// counter has values fails, since the key stream would repeat.
func aesCTR(alg algParams, block cipher.Block, data []byte) ([]byte, error) {
	counter, _ := alg.bytes("counter")
	length := alg.int("length")
	if len(counter) != aes.BlockSize {
		return nil, errOperation("AES-CTR needs a 16-byte counter")
	}
	if length < 1 || length > 128 {
		return nil, errOperation("the counter length must be 1 to 128 bits")
	}
	blocks := uint64((len(data) + aes.BlockSize - 1) / aes.BlockSize)
	if length < 64 && blocks > 1<<length {
		return nil, errOperation("the data is too long for the counter length")
	}
	// mask selects the counter bits of the block, as a 128-bit hi:lo pair.
	var maskHi, maskLo uint64 = ^uint64(0), ^uint64(0)
	if length < 64 {
		maskHi, maskLo = 0, 1<<length-1
	} else if length < 128 {
		maskHi = 1<<(length-64) - 1
	}
	hi, lo := binary.BigEndian.Uint64(counter[:8]), binary.BigEndian.Uint64(counter[8:])
	fixedHi, fixedLo := hi&^maskHi, lo&^maskLo
	out := make([]byte, len(data))
	var in, ks [aes.BlockSize]byte
	for i := 0; i < len(data); i += aes.BlockSize {
		binary.BigEndian.PutUint64(in[:8], fixedHi|hi&maskHi)
		binary.BigEndian.PutUint64(in[8:], fixedLo|lo&maskLo)
		block.Encrypt(ks[:], in[:])
		end := min(i+aes.BlockSize, len(data))
		for j := i; j < end; j++ {
			out[j] = data[j] ^ ks[j-i]
		}
		var carry uint64
		lo, carry = bits.Add64(lo, 1, 0)
		hi += carry
	}
	return out, nil
}

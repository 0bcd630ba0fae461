package isolate

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/rsa"
	"crypto/subtle"
)

// encrypt runs the per-algorithm steps of encrypt (and, for AES-KW, of
// wrapKey's wrap operation).
func encrypt(alg algParams, k *cryptoKey, data []byte) ([]byte, error) {
	if k.alg == "RSA-OAEP" {
		label, _ := alg.bytes("label")
		out, err := rsa.EncryptOAEP(newHash(k.hash)(), rand.Reader, k.rsaPublic(), data, label)
		if err != nil {
			return nil, errOperation(err.Error())
		}
		return out, nil
	}
	block, err := aes.NewCipher(k.secret)
	if err != nil {
		return nil, errOperation(err.Error())
	}
	switch k.alg {
	case "AES-GCM":
		g, err := gcmOf(alg, block)
		if err != nil {
			return nil, err
		}
		// A shorter tag is the full tag's leftmost bytes (SP 800-38D 7.1).
		return g.aead.Seal(nil, g.iv, data, g.ad)[:len(data)+g.tag], nil
	case "AES-CBC":
		iv, _ := alg.bytes("iv")
		if len(iv) != aes.BlockSize {
			return nil, errOperation("AES-CBC needs a 16-byte iv")
		}
		pad := aes.BlockSize - len(data)%aes.BlockSize
		out := append(data, make([]byte, pad)...)
		for i := len(data); i < len(out); i++ {
			out[i] = byte(pad)
		}
		cipher.NewCBCEncrypter(block, iv).CryptBlocks(out, out)
		return out, nil
	case "AES-CTR":
		return aesCTR(alg, block, data)
	case "AES-KW":
		return aesKeyWrap(block, data)
	}
	return nil, errNotSupported(k.alg + " cannot encrypt")
}

// decrypt runs the per-algorithm steps of decrypt (and of unwrapKey's
// unwrap for AES-KW). Every authentication or padding failure is the same
// OperationError, so it tells an attacker nothing.
func decrypt(alg algParams, k *cryptoKey, data []byte) ([]byte, error) {
	if k.alg == "RSA-OAEP" {
		if k.kind != "private" {
			return nil, errInvalidAccess("RSA-OAEP decrypts with a private key")
		}
		label, _ := alg.bytes("label")
		out, err := rsa.DecryptOAEP(newHash(k.hash)(), nil, k.priv.(*rsa.PrivateKey), data, label)
		if err != nil {
			return nil, errOperation("decryption failed")
		}
		return out, nil
	}
	block, err := aes.NewCipher(k.secret)
	if err != nil {
		return nil, errOperation(err.Error())
	}
	switch k.alg {
	case "AES-GCM":
		g, err := gcmOf(alg, block)
		if err != nil {
			return nil, err
		}
		return g.open(data)
	case "AES-CBC":
		iv, _ := alg.bytes("iv")
		if len(iv) != aes.BlockSize {
			return nil, errOperation("AES-CBC needs a 16-byte iv")
		}
		if len(data) == 0 || len(data)%aes.BlockSize != 0 {
			return nil, errOperation("decryption failed")
		}
		out := make([]byte, len(data))
		cipher.NewCBCDecrypter(block, iv).CryptBlocks(out, data)
		return unpad(out)
	case "AES-CTR":
		return aesCTR(alg, block, data)
	case "AES-KW":
		return aesKeyUnwrap(block, data)
	}
	return nil, errNotSupported(k.alg + " cannot decrypt")
}

// unpad removes PKCS #7 padding, checking every padding byte in constant
// time.
func unpad(b []byte) ([]byte, error) {
	n := int(b[len(b)-1])
	if n == 0 || n > aes.BlockSize {
		return nil, errOperation("decryption failed")
	}
	ok := 1
	for _, x := range b[len(b)-n:] {
		ok &= subtle.ConstantTimeByteEq(x, byte(n))
	}
	if ok != 1 {
		return nil, errOperation("decryption failed")
	}
	return b[:len(b)-n], nil
}

// gcm is AES-GCM with AesGcmParams' iv, additional data and tag length
// (in bytes).
type gcm struct {
	aead   cipher.AEAD // with Go's full 16-byte tag
	iv, ad []byte
	tag    int
}

// gcmOf checks AesGcmParams. Go's GCM takes a tag under 128 bits only
// with a 96-bit iv and none under 96 bits, so every length the spec allows
// is done with the full tag, truncated (see open).
func gcmOf(alg algParams, block cipher.Block) (*gcm, error) {
	iv, _ := alg.bytes("iv")
	ad, _ := alg.bytes("additionalData")
	tag := alg.int("tagLength")
	if tag < 0 {
		tag = 128
	}
	switch tag {
	case 32, 64, 96, 104, 112, 120, 128:
	default:
		return nil, errOperation("tagLength must be 32, 64, 96, 104, 112, 120 or 128")
	}
	if len(iv) == 0 {
		return nil, errOperation("AES-GCM needs a non-empty iv")
	}
	aead, err := cipher.NewGCMWithNonceSize(block, len(iv))
	if err != nil {
		return nil, errOperation(err.Error())
	}
	return &gcm{aead: aead, iv: iv, ad: ad, tag: tag / 8}, nil
}

// open checks data's tag and returns its plaintext. A full tag is Go's
// Open. A truncated one cannot be, so the plaintext is recovered first
// (GCM's encryption is CTR, its own inverse: sealing the ciphertext gives
// the plaintext, and that seal's tag is ignored), then sealed again with
// the additional data, and the leftmost bytes of that tag compared in
// constant time; the plaintext is returned only if they match.
func (g *gcm) open(data []byte) ([]byte, error) {
	if len(data) < g.tag {
		return nil, errOperation("the data is shorter than the tag")
	}
	if g.tag == g.aead.Overhead() {
		out, err := g.aead.Open(nil, g.iv, data, g.ad)
		if err != nil {
			return nil, errOperation("decryption failed")
		}
		return out, nil
	}
	n := len(data) - g.tag
	plain := g.aead.Seal(nil, g.iv, data[:n], nil)[:n]
	want := g.aead.Seal(nil, g.iv, plain, g.ad)[n : n+g.tag]
	if subtle.ConstantTimeCompare(want, data[n:]) != 1 {
		return nil, errOperation("decryption failed")
	}
	return plain, nil
}

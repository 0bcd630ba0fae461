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
		aead, iv, ad, err := gcmOf(alg, block)
		if err != nil {
			return nil, err
		}
		return aead.Seal(nil, iv, data, ad), nil
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
		aead, iv, ad, err := gcmOf(alg, block)
		if err != nil {
			return nil, err
		}
		if len(data) < aead.Overhead() {
			return nil, errOperation("the data is shorter than the tag")
		}
		out, err := aead.Open(nil, iv, data, ad)
		if err != nil {
			return nil, errOperation("decryption failed")
		}
		return out, nil
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

// gcmOf is the AEAD for AesGcmParams. Go's GCM takes a tag shorter than 128
// bits only with a 96-bit iv, and none under 96 bits; the spec's other
// tag lengths (32 and 64, which it allows but NIST deprecates) fail.
func gcmOf(alg algParams, block cipher.Block) (cipher.AEAD, []byte, []byte, error) {
	iv, _ := alg.bytes("iv")
	ad, _ := alg.bytes("additionalData")
	tag := alg.int("tagLength")
	if tag < 0 {
		tag = 128
	}
	switch tag {
	case 32, 64, 96, 104, 112, 120, 128:
	default:
		return nil, nil, nil, errOperation("tagLength must be 32, 64, 96, 104, 112, 120 or 128")
	}
	if len(iv) == 0 {
		return nil, nil, nil, errOperation("AES-GCM needs a non-empty iv")
	}
	var aead cipher.AEAD
	var err error
	switch {
	case tag == 128 && len(iv) == 12:
		aead, err = cipher.NewGCM(block)
	case tag == 128:
		aead, err = cipher.NewGCMWithNonceSize(block, len(iv))
	case tag >= 96 && len(iv) == 12:
		aead, err = cipher.NewGCMWithTagSize(block, tag/8)
	default:
		return nil, nil, nil, errNotSupported("AES-GCM supports tags under 128 bits only with a 96-bit iv, and none under 96 bits")
	}
	if err != nil {
		return nil, nil, nil, errOperation(err.Error())
	}
	return aead, iv, ad, nil
}

package isolate

import (
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/hkdf"
	"crypto/pbkdf2"
	"crypto/subtle"
)

// deriveBits checks a deriveBits call and returns the work that derives
// length bits (-1 for null). PBKDF2's work runs off the isolate goroutine.
func deriveBits(alg algParams, k *cryptoKey, length int) (func() ([]byte, error), error) {
	switch k.alg {
	case "ECDH", "X25519":
		if k.kind != "private" {
			return nil, errInvalidAccess("only a private key derives bits")
		}
		secret, err := agree(alg, k)
		if err != nil {
			return nil, err
		}
		if length < 0 {
			return func() ([]byte, error) { return secret, nil }, nil
		}
		if length > len(secret)*8 {
			return nil, errOperation("the shared secret is shorter than the length asked for")
		}
		out := secret[:(length+7)/8]
		if r := length % 8; r != 0 {
			out[len(out)-1] &= byte(0xff << (8 - r))
		}
		return func() ([]byte, error) { return out, nil }, nil
	case "HKDF", "PBKDF2":
		if length < 0 || length%8 != 0 {
			return nil, errOperation(k.alg + " derives a whole number of bytes: the length must be a multiple of 8")
		}
		if length == 0 {
			return func() ([]byte, error) { return []byte{}, nil }, nil
		}
	default:
		return nil, errNotSupported(k.alg + " keys cannot derive bits")
	}
	if err := checkHash(alg.hash()); err != nil {
		return nil, err
	}
	salt, _ := alg.bytes("salt")
	h := newHash(alg.hash())
	if k.alg == "HKDF" {
		info, _ := alg.bytes("info")
		out, err := hkdf.Key(h, k.secret, salt, string(info), length/8)
		if err != nil {
			return nil, errOperation(err.Error())
		}
		return func() ([]byte, error) { return out, nil }, nil
	}
	iter := alg.int("iterations")
	if iter <= 0 {
		return nil, errOperation("PBKDF2 needs at least one iteration")
	}
	if iter > maxPBKDF2Iterations {
		return nil, errNotSupported("PBKDF2 iteration counts above 100000 are not supported")
	}
	password := string(k.secret)
	return func() ([]byte, error) {
		out, err := pbkdf2.Key(h, password, salt, iter, length/8)
		if err != nil {
			return nil, errOperation(err.Error())
		}
		return out, nil
	}, nil
}

// agree is the ECDH or X25519 shared secret of k and the algorithm's
// public key. JS has checked that public is a public key of k's algorithm.
func agree(alg algParams, k *cryptoKey) ([]byte, error) {
	peer := alg.key("public")
	if peer == nil || peer.kind != "public" || peer.alg != k.alg {
		return nil, errInvalidAccess("the public member must be a public " + k.alg + " key")
	}
	var priv *ecdh.PrivateKey
	var pub *ecdh.PublicKey
	if k.alg == "ECDH" {
		if peer.curve != k.curve {
			return nil, errInvalidAccess("the public key is on " + peer.curve + ", the private key on " + k.curve)
		}
		var err error
		if priv, err = k.priv.(*ecdsa.PrivateKey).ECDH(); err == nil {
			pub, err = peer.pub.(*ecdsa.PublicKey).ECDH()
		}
		if err != nil {
			return nil, errOperation(err.Error())
		}
	} else {
		priv, pub = k.priv.(*ecdh.PrivateKey), peer.pub.(*ecdh.PublicKey)
	}
	secret, err := priv.ECDH(pub)
	if err != nil {
		return nil, errOperation(err.Error())
	}
	if k.alg == "X25519" && subtle.ConstantTimeCompare(secret, make([]byte, len(secret))) == 1 {
		return nil, errOperation("the X25519 shared secret is all zeros (a small-order public key)")
	}
	return secret, nil
}

// keyLength is the spec's "get key length" of a deriveKey's
// derivedKeyType, in bits; -1 where it is null (HKDF, PBKDF2).
func keyLength(alg algParams) (int, error) {
	switch name := alg.name(); {
	case aesAlgs[name]:
		n := alg.int("length")
		if n != 128 && n != 192 && n != 256 {
			return 0, errOperation("an AES key is 128, 192 or 256 bits long")
		}
		return n, nil
	case name == "HMAC":
		n := alg.int("length")
		if n < 0 {
			return blockBits(alg.hash()), nil
		}
		if n == 0 {
			return 0, &cryptoError{"TypeError", "an HMAC key cannot be 0 bits long"}
		}
		return n, nil
	case name == "HKDF" || name == "PBKDF2":
		return -1, nil
	}
	return 0, errNotSupported("cannot derive a " + alg.name() + " key")
}

package isolate

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"math/big"
)

// sign runs the per-algorithm steps of sign. ECDSA signatures are r||s,
// each as long as the curve's order, as Web Crypto gives them (not DER).
func sign(alg algParams, k *cryptoKey, data []byte) ([]byte, error) {
	if k.kind == "public" {
		return nil, errInvalidAccess("a public key cannot sign")
	}
	if k.alg == "ECDSA" {
		if err := checkHash(alg.hash()); err != nil {
			return nil, err
		}
	}
	switch k.alg {
	case "HMAC":
		m := hmac.New(newHash(k.hash), k.secret)
		m.Write(data)
		return m.Sum(nil), nil
	case "ECDSA":
		priv := k.priv.(*ecdsa.PrivateKey)
		r, s, err := ecdsa.Sign(rand.Reader, priv, digest(alg.hash(), data))
		if err != nil {
			return nil, errOperation(err.Error())
		}
		size := (priv.Curve.Params().N.BitLen() + 7) / 8
		sig := make([]byte, 2*size)
		r.FillBytes(sig[:size])
		s.FillBytes(sig[size:])
		return sig, nil
	case "Ed25519":
		return ed25519.Sign(k.priv.(ed25519.PrivateKey), data), nil
	case "RSASSA-PKCS1-v1_5":
		sig, err := rsa.SignPKCS1v15(nil, k.priv.(*rsa.PrivateKey), hashes[k.hash], digest(k.hash, data))
		if err != nil {
			return nil, errOperation(err.Error())
		}
		return sig, nil
	case "RSA-PSS":
		opts, err := pssOptions(alg)
		if err != nil {
			return nil, err
		}
		sig, err := rsa.SignPSS(rand.Reader, k.priv.(*rsa.PrivateKey), hashes[k.hash], digest(k.hash, data), opts)
		if err != nil {
			return nil, errOperation(err.Error())
		}
		return sig, nil
	}
	return nil, errNotSupported(k.alg + " cannot sign")
}

// verify runs the per-algorithm steps of verify. A signature of the wrong
// length is false, not an error, as the spec asks.
func verify(alg algParams, k *cryptoKey, sig, data []byte) (bool, error) {
	if k.alg == "ECDSA" {
		if err := checkHash(alg.hash()); err != nil {
			return false, err
		}
	}
	switch k.alg {
	case "HMAC":
		m := hmac.New(newHash(k.hash), k.secret)
		m.Write(data)
		return hmac.Equal(m.Sum(nil), sig), nil
	case "ECDSA":
		pub := k.ecPublic()
		size := (pub.Curve.Params().N.BitLen() + 7) / 8
		if len(sig) != 2*size {
			return false, nil
		}
		r, s := new(big.Int).SetBytes(sig[:size]), new(big.Int).SetBytes(sig[size:])
		return ecdsa.Verify(pub, digest(alg.hash(), data), r, s), nil
	case "Ed25519":
		if len(sig) != ed25519.SignatureSize {
			return false, nil
		}
		return ed25519.Verify(k.pub.(ed25519.PublicKey), data, sig), nil
	case "RSASSA-PKCS1-v1_5":
		return rsa.VerifyPKCS1v15(k.rsaPublic(), hashes[k.hash], digest(k.hash, data), sig) == nil, nil
	case "RSA-PSS":
		opts, err := pssOptions(alg)
		if err != nil {
			return false, err
		}
		return rsa.VerifyPSS(k.rsaPublic(), hashes[k.hash], digest(k.hash, data), sig, opts) == nil, nil
	}
	return false, errNotSupported(k.alg + " cannot verify")
}

// pssOptions maps RsaPssParams.saltLength onto Go's PSSOptions. Go reads a
// SaltLength of 0 as "as long as fits" (signing) or "any" (verifying), so
// an empty salt, which Web Crypto allows, cannot be expressed and is
// refused rather than silently done with another length.
func pssOptions(alg algParams) (*rsa.PSSOptions, error) {
	n := alg.int("saltLength")
	if n == 0 {
		return nil, errNotSupported("RSA-PSS with a saltLength of 0 is not supported")
	}
	return &rsa.PSSOptions{SaltLength: n}, nil
}

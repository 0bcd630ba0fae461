package isolate

import (
	"bytes"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
)

// generateKey checks a generateKey call's usages and parameters and
// returns the work that makes the key (a *cryptoKey) or the pair (a
// [2]*cryptoKey, public first). The work is separate because RSA's runs
// off the isolate goroutine.
func generateKey(alg algParams, usages []string) (func() (any, error), error) {
	name := alg.name()
	if err := checkGenerateUsages(name, usages); err != nil {
		return nil, err
	}
	if name == "HMAC" || rsaAlgs[name] {
		if err := checkHash(alg.hash()); err != nil {
			return nil, err
		}
	}
	switch {
	case name == "HMAC":
		bits := alg.int("length")
		if bits < 0 {
			bits = blockBits(alg.hash())
		}
		if bits == 0 {
			return nil, errOperation("an HMAC key cannot be 0 bits long")
		}
		return func() (any, error) {
			k := &cryptoKey{alg: name, kind: "secret", hash: alg.hash(), bits: bits, secret: make([]byte, (bits+7)/8)}
			_, _ = rand.Read(k.secret)
			return k, nil
		}, nil
	case aesAlgs[name]:
		bits := alg.int("length")
		if bits != 128 && bits != 192 && bits != 256 {
			return nil, errOperation("an AES key is 128, 192 or 256 bits long")
		}
		return func() (any, error) {
			k := &cryptoKey{alg: name, kind: "secret", bits: bits, secret: make([]byte, bits/8)}
			_, _ = rand.Read(k.secret)
			return k, nil
		}, nil
	case name == "ECDSA" || name == "ECDH":
		curve := alg.str("namedCurve")
		if namedCurves[curve] == nil {
			return nil, errNotSupported("unsupported namedCurve " + curve)
		}
		return func() (any, error) {
			priv, err := ecdsa.GenerateKey(namedCurves[curve], rand.Reader)
			if err != nil {
				return nil, errOperation(err.Error())
			}
			return pairOf(&cryptoKey{alg: name, curve: curve}, priv), nil
		}, nil
	case name == "Ed25519":
		return func() (any, error) {
			_, priv, err := ed25519.GenerateKey(rand.Reader)
			if err != nil {
				return nil, errOperation(err.Error())
			}
			return pairOf(&cryptoKey{alg: name}, priv), nil
		}, nil
	case name == "X25519":
		return func() (any, error) {
			priv, err := ecdh.X25519().GenerateKey(rand.Reader)
			if err != nil {
				return nil, errOperation(err.Error())
			}
			return pairOf(&cryptoKey{alg: name}, priv), nil
		}, nil
	case rsaAlgs[name]:
		bits := alg.int("modulusLength")
		if bits < minRSABits || bits > maxRSAGenBits || bits%8 != 0 {
			return nil, errOperation("modulusLength must be a multiple of 8 from 1024 to 4096")
		}
		if e, _ := alg.bytes("publicExponent"); !bytes.Equal(bytes.TrimLeft(e, "\x00"), []byte{1, 0, 1}) {
			return nil, errOperation("only the public exponent 65537 is supported")
		}
		return func() (any, error) {
			priv, err := rsa.GenerateKey(rand.Reader, bits)
			if err != nil {
				return nil, errOperation(err.Error())
			}
			return pairOf(&cryptoKey{alg: name, hash: alg.hash()}, priv), nil
		}, nil
	}
	return nil, errNotSupported(name + " keys cannot be generated")
}

// checkGenerateUsages fails with SyntaxError on a usage neither key of
// the algorithm may have.
func checkGenerateUsages(alg string, usages []string) error {
	if aesAlgs[alg] || alg == "HMAC" {
		return checkUsages(alg, "secret", usages)
	}
	allowed := append(append([]string(nil), usagesFor(alg, "public")...), usagesFor(alg, "private")...)
	for _, u := range usages {
		if !contains(allowed, u) {
			return errSyntax(alg + " keys cannot be used to " + u)
		}
	}
	return nil
}

// pairOf makes the public and private CryptoKeys of priv from a template
// holding the algorithm's parameters.
func pairOf(tmpl *cryptoKey, priv any) [2]*cryptoKey {
	pub, pk := *tmpl, *tmpl
	pub.kind, pub.pub = "public", publicHalf(priv)
	pk.kind, pk.pub, pk.priv = "private", publicHalf(priv), priv
	return [2]*cryptoKey{&pub, &pk}
}

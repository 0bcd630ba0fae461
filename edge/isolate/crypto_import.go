package isolate

import (
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
)

// importKey runs the per-algorithm steps of importKey: data is the key's
// bytes for "raw", "spki" and "pkcs8", and the JsonWebKey (a map of its
// members) for "jwk". usages were checked against the KeyUsage enum by JS
// and are checked against the algorithm here, before the data is parsed,
// as the spec orders it.
func importKey(format string, alg algParams, data any, extractable bool, usages []string) (*cryptoKey, error) {
	name := alg.name()
	var jwk map[string]any
	var raw []byte
	if format == "jwk" {
		m, ok := data.(map[string]any)
		if !ok {
			return nil, &cryptoError{"TypeError", "a jwk key must be a JsonWebKey object"}
		}
		jwk = m
	} else {
		b, ok := data.([]byte)
		if !ok {
			return nil, &cryptoError{"TypeError", "key data must be an ArrayBuffer or ArrayBufferView"}
		}
		raw = append([]byte(nil), b...)
	}
	k := &cryptoKey{alg: name, kind: importKind(name, format, jwk), hash: alg.hash()}
	if name == "HMAC" || rsaAlgs[name] {
		if err := checkHash(k.hash); err != nil {
			return nil, err
		}
	}
	if !formatAllowed(name, format) {
		return nil, errNotSupported(name + " keys cannot be imported as " + format)
	}
	if err := checkUsages(name, k.kind, usages); err != nil {
		return nil, err
	}
	if (name == "PBKDF2" || name == "HKDF") && extractable {
		return nil, errSyntax(name + " keys cannot be extractable")
	}
	if jwk != nil {
		if err := checkJWK(jwk, name, extractable, usages); err != nil {
			return nil, err
		}
		return k, importJWK(k, alg, jwk)
	}
	switch {
	case name == "HMAC":
		return k, setHMACSecret(k, raw, alg.int("length"))
	case aesAlgs[name]:
		return k, setAESSecret(k, raw)
	case name == "PBKDF2" || name == "HKDF":
		k.secret = raw
		return k, nil
	case name == "ECDSA" || name == "ECDH":
		k.curve = alg.str("namedCurve")
		if namedCurves[k.curve] == nil {
			return nil, errNotSupported("unsupported namedCurve " + k.curve)
		}
	}
	switch format {
	case "raw":
		return k, importRawPublic(k, raw)
	case "spki":
		pub, err := x509.ParsePKIXPublicKey(raw)
		if err != nil {
			return nil, errData("not a SubjectPublicKeyInfo: " + err.Error())
		}
		k.pub = pub
	case "pkcs8":
		priv, err := x509.ParsePKCS8PrivateKey(raw)
		if err != nil {
			return nil, errData("not a PKCS #8 PrivateKeyInfo: " + err.Error())
		}
		k.priv, k.pub = priv, publicHalf(priv)
	}
	return k, checkMaterial(k)
}

// importKind is the type the imported key will have.
func importKind(alg, format string, jwk map[string]any) string {
	switch {
	case alg == "HMAC" || aesAlgs[alg] || alg == "PBKDF2" || alg == "HKDF":
		return "secret"
	case format == "pkcs8":
		return "private"
	case format == "jwk":
		if _, ok := jwk["d"]; ok {
			return "private"
		}
	}
	return "public"
}

// formatAllowed says which formats the spec defines for each algorithm.
func formatAllowed(alg, format string) bool {
	switch {
	case alg == "HMAC" || aesAlgs[alg]:
		return format == "raw" || format == "jwk"
	case alg == "PBKDF2" || alg == "HKDF":
		return format == "raw"
	case rsaAlgs[alg]:
		return format == "spki" || format == "pkcs8" || format == "jwk"
	}
	return format == "raw" || format == "spki" || format == "pkcs8" || format == "jwk"
}

func setHMACSecret(k *cryptoKey, b []byte, length int) error {
	if len(b) == 0 {
		return errData("an HMAC key cannot be empty")
	}
	k.secret, k.bits = b, len(b)*8
	if length >= 0 {
		// The length may drop bits of the last byte, never a whole byte.
		if length == 0 || length > k.bits || length <= k.bits-8 {
			return errData("the length does not match the key data")
		}
		k.bits = length
	}
	return nil
}

func setAESSecret(k *cryptoKey, b []byte) error {
	if n := len(b); n != 16 && n != 24 && n != 32 {
		return errData("an AES key must be 128, 192 or 256 bits long")
	}
	k.secret, k.bits = b, len(b)*8
	return nil
}

// importRawPublic reads an EC point (uncompressed) or an Ed25519/X25519
// public key.
func importRawPublic(k *cryptoKey, b []byte) error {
	var err error
	switch k.alg {
	case "ECDSA", "ECDH":
		k.pub, err = ecdsa.ParseUncompressedPublicKey(namedCurves[k.curve], b)
	case "Ed25519":
		if len(b) != ed25519.PublicKeySize {
			return errData("an Ed25519 public key is 32 bytes")
		}
		k.pub = ed25519.PublicKey(b)
	case "X25519":
		k.pub, err = ecdh.X25519().NewPublicKey(b)
	}
	if err != nil {
		return errData("invalid public key: " + err.Error())
	}
	return nil
}

// checkMaterial checks that a key parsed from spki or pkcs8 is of the
// algorithm's kind, and on the named curve, and in size bounds.
func checkMaterial(k *cryptoKey) error {
	switch k.alg {
	case "ECDSA", "ECDH":
		pub, ok := k.pub.(*ecdsa.PublicKey)
		if !ok {
			return errData("not an EC key")
		}
		if curveOfElliptic[pub.Curve] != k.curve {
			return errData("the key is not on " + k.curve)
		}
	case "Ed25519":
		if _, ok := k.pub.(ed25519.PublicKey); !ok {
			return errData("not an Ed25519 key")
		}
	case "X25519":
		if pub, ok := k.pub.(*ecdh.PublicKey); !ok || pub.Curve() != ecdh.X25519() {
			return errData("not an X25519 key")
		}
	case "RSASSA-PKCS1-v1_5", "RSA-PSS", "RSA-OAEP":
		pub, ok := k.pub.(*rsa.PublicKey)
		if !ok {
			return errData("not an RSA key")
		}
		return checkRSASize(pub)
	}
	return nil
}

func checkRSASize(pub *rsa.PublicKey) error {
	if pub.N.BitLen() > maxRSAImportBits {
		return errNotSupported("RSA keys over 8192 bits are not supported")
	}
	return nil
}

// exportKey runs the per-algorithm steps of exportKey for the binary
// formats; JS has checked that the key is extractable.
func exportKey(format string, k *cryptoKey) ([]byte, error) {
	if !formatAllowed(k.alg, format) || k.alg == "PBKDF2" || k.alg == "HKDF" {
		return nil, errNotSupported(k.alg + " keys cannot be exported as " + format)
	}
	switch format {
	case "raw":
		if k.kind == "secret" {
			return append([]byte(nil), k.secret...), nil
		}
		if k.kind != "public" {
			return nil, errInvalidAccess("only a public key can be exported as raw")
		}
		switch pub := k.pub.(type) {
		case *ecdsa.PublicKey:
			b, err := pub.Bytes()
			return b, err
		case ed25519.PublicKey:
			return append([]byte(nil), pub...), nil
		case *ecdh.PublicKey:
			return pub.Bytes(), nil
		}
	case "spki":
		if k.kind != "public" {
			return nil, errInvalidAccess("only a public key can be exported as spki")
		}
		return x509.MarshalPKIXPublicKey(k.pub)
	case "pkcs8":
		if k.kind != "private" {
			return nil, errInvalidAccess("only a private key can be exported as pkcs8")
		}
		return x509.MarshalPKCS8PrivateKey(k.priv)
	}
	return nil, errNotSupported("cannot export as " + format)
}

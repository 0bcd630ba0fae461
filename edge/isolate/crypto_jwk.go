package isolate

import (
	"bytes"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"encoding/base64"
	"math/big"
	"strconv"
	"strings"
)

// jwkOrder is the order of the members exportKey("jwk") gives, that of
// the spec's export steps for each key type (kty, then the key's members,
// then alg), as Deno and Node give them; JS adds key_ops and ext after
// them.
var jwkOrder = []string{"kty", "crv", "k", "n", "e", "x", "y", "d", "p", "q", "dp", "dq", "qi", "alg"}

// hmacJWKOrder is Deno's order for an HMAC key, alg before k (checked by
// the differential suite's webcrypto app).
var hmacJWKOrder = []string{"kty", "alg", "k"}

// jwkAlgSuffix and jwkHashAlg give the JWA "alg" names of the spec's
// per-algorithm JWK steps.
var (
	jwkAlgSuffix = map[string]string{"AES-CTR": "CTR", "AES-CBC": "CBC", "AES-GCM": "GCM", "AES-KW": "KW"}
	jwkHashAlg   = map[string]map[string]string{
		"HMAC":              {"SHA-1": "HS1", "SHA-256": "HS256", "SHA-384": "HS384", "SHA-512": "HS512"},
		"RSASSA-PKCS1-v1_5": {"SHA-1": "RS1", "SHA-256": "RS256", "SHA-384": "RS384", "SHA-512": "RS512"},
		"RSA-PSS":           {"SHA-1": "PS1", "SHA-256": "PS256", "SHA-384": "PS384", "SHA-512": "PS512"},
		"RSA-OAEP":          {"SHA-1": "RSA-OAEP", "SHA-256": "RSA-OAEP-256", "SHA-384": "RSA-OAEP-384", "SHA-512": "RSA-OAEP-512"},
	}
	ecdsaJWKAlg = map[string]string{"P-256": "ES256", "P-384": "ES384", "P-521": "ES512"}
)

// checkJWK runs the checks every algorithm's JWK import makes: kty, use,
// key_ops and ext.
func checkJWK(jwk map[string]any, alg string, extractable bool, usages []string) error {
	kty := "OKP"
	switch {
	case alg == "HMAC" || aesAlgs[alg]:
		kty = "oct"
	case rsaAlgs[alg]:
		kty = "RSA"
	case alg == "ECDSA" || alg == "ECDH":
		kty = "EC"
	}
	if s, _ := jwk["kty"].(string); s != kty {
		return errData(`the JWK's kty must be "` + kty + `" for ` + alg)
	}
	use := "enc"
	if signatureAlgs[alg] {
		use = "sig"
	}
	if u, ok := jwk["use"].(string); ok && len(usages) > 0 && u != use {
		return errData(`the JWK's use must be "` + use + `" for ` + alg)
	}
	if v, ok := jwk["key_ops"]; ok {
		list, _ := v.([]any)
		seen := map[string]bool{}
		for _, op := range list {
			s, _ := op.(string)
			if seen[s] {
				return errData("the JWK's key_ops has " + s + " twice")
			}
			seen[s] = true
		}
		for _, u := range usages {
			if !seen[u] {
				return errData("the JWK's key_ops does not allow " + u)
			}
		}
	}
	if ext, ok := jwk["ext"].(bool); ok && !ext && extractable {
		return errData("the JWK is not extractable (ext is false)")
	}
	return nil
}

// jwkBytes is a base64url member; required ones fail with DataError when
// absent.
func jwkBytes(jwk map[string]any, name string) ([]byte, error) {
	s, ok := jwk[name].(string)
	if !ok {
		return nil, errData("the JWK has no " + name)
	}
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
	if err != nil {
		return nil, errData("the JWK's " + name + " is not base64url")
	}
	return b, nil
}

// checkJWKAlg fails if the JWK names an alg other than want.
func checkJWKAlg(jwk map[string]any, want ...string) error {
	s, ok := jwk["alg"].(string)
	if !ok || contains(want, s) {
		return nil
	}
	return errData("the JWK's alg " + s + " does not match the algorithm")
}

// importJWK reads the key material of a JWK that checkJWK accepted.
func importJWK(k *cryptoKey, alg algParams, jwk map[string]any) error {
	switch {
	case k.alg == "HMAC":
		b, err := jwkBytes(jwk, "k")
		if err != nil {
			return err
		}
		if err := setHMACSecret(k, b, alg.int("length")); err != nil {
			return err
		}
		return checkJWKAlg(jwk, jwkHashAlg["HMAC"][k.hash])
	case aesAlgs[k.alg]:
		b, err := jwkBytes(jwk, "k")
		if err != nil {
			return err
		}
		if err := setAESSecret(k, b); err != nil {
			return err
		}
		return checkJWKAlg(jwk, "A"+strconv.Itoa(k.bits)+jwkAlgSuffix[k.alg])
	case rsaAlgs[k.alg]:
		if err := checkJWKAlg(jwk, jwkHashAlg[k.alg][k.hash]); err != nil {
			return err
		}
		return importRSAJWK(k, jwk)
	case k.alg == "ECDSA" || k.alg == "ECDH":
		k.curve = alg.str("namedCurve")
		if namedCurves[k.curve] == nil {
			return errNotSupported("unsupported namedCurve " + k.curve)
		}
		if crv, _ := jwk["crv"].(string); crv != k.curve {
			return errData("the JWK's crv is not " + k.curve)
		}
		if k.alg == "ECDSA" {
			if err := checkJWKAlg(jwk, ecdsaJWKAlg[k.curve]); err != nil {
				return err
			}
		}
		return importECJWK(k, jwk)
	}
	if crv, _ := jwk["crv"].(string); crv != k.alg {
		return errData("the JWK's crv is not " + k.alg)
	}
	if k.alg == "Ed25519" {
		if err := checkJWKAlg(jwk, "EdDSA", "Ed25519"); err != nil {
			return err
		}
	}
	return importOKPJWK(k, jwk)
}

func importECJWK(k *cryptoKey, jwk map[string]any) error {
	x, err := jwkBytes(jwk, "x")
	if err != nil {
		return err
	}
	y, err := jwkBytes(jwk, "y")
	if err != nil {
		return err
	}
	curve := namedCurves[k.curve]
	size := (curve.Params().BitSize + 7) / 8
	if len(x) != size || len(y) != size {
		return errData("the JWK's x and y must be " + strconv.Itoa(size) + " bytes for " + k.curve)
	}
	pub, err := ecdsa.ParseUncompressedPublicKey(curve, append(append([]byte{4}, x...), y...))
	if err != nil {
		return errData("the JWK's point is not on " + k.curve)
	}
	k.pub = pub
	if k.kind != "private" {
		return nil
	}
	d, err := jwkBytes(jwk, "d")
	if err != nil {
		return err
	}
	if len(d) != size {
		return errData("the JWK's d must be " + strconv.Itoa(size) + " bytes for " + k.curve)
	}
	priv, err := ecdsa.ParseRawPrivateKey(curve, d)
	if err != nil {
		return errData("the JWK's d is not a valid private key")
	}
	if !priv.PublicKey.Equal(pub) {
		return errData("the JWK's d does not match its x and y")
	}
	k.priv = priv
	return nil
}

func importOKPJWK(k *cryptoKey, jwk map[string]any) error {
	x, err := jwkBytes(jwk, "x")
	if err != nil {
		return err
	}
	if err := importRawPublic(k, x); err != nil {
		return err
	}
	if k.kind != "private" {
		return nil
	}
	d, err := jwkBytes(jwk, "d")
	if err != nil {
		return err
	}
	var pub []byte
	if k.alg == "Ed25519" {
		if len(d) != ed25519.SeedSize {
			return errData("an Ed25519 private key is 32 bytes")
		}
		priv := ed25519.NewKeyFromSeed(d)
		k.priv, pub = priv, priv.Public().(ed25519.PublicKey)
	} else {
		priv, err := ecdh.X25519().NewPrivateKey(d)
		if err != nil {
			return errData("invalid X25519 private key")
		}
		k.priv, pub = priv, priv.PublicKey().Bytes()
	}
	if !bytes.Equal(pub, x) {
		return errData("the JWK's d does not match its x")
	}
	return nil
}

func importRSAJWK(k *cryptoKey, jwk map[string]any) error {
	ints := map[string]*big.Int{}
	names := []string{"n", "e"}
	if k.kind == "private" {
		if _, ok := jwk["oth"]; ok {
			return errNotSupported("RSA keys of more than two primes are not supported")
		}
		names = append(names, "d", "p", "q", "dp", "dq", "qi")
	}
	for _, name := range names {
		b, err := jwkBytes(jwk, name)
		if err != nil {
			return err
		}
		ints[name] = new(big.Int).SetBytes(b)
	}
	e := ints["e"]
	if !e.IsInt64() || e.Int64() < 3 || e.Int64() > 1<<31-1 {
		return errData("the JWK's e is not a usable public exponent")
	}
	pub := &rsa.PublicKey{N: ints["n"], E: int(e.Int64())}
	if err := checkRSASize(pub); err != nil {
		return err
	}
	k.pub = pub
	if k.kind != "private" {
		return nil
	}
	priv := &rsa.PrivateKey{PublicKey: *pub, D: ints["d"], Primes: []*big.Int{ints["p"], ints["q"]}}
	if err := priv.Validate(); err != nil {
		return errData("the JWK is not a valid RSA private key: " + err.Error())
	}
	priv.Precompute()
	if priv.Precomputed.Dp.Cmp(ints["dp"]) != 0 || priv.Precomputed.Dq.Cmp(ints["dq"]) != 0 || priv.Precomputed.Qinv.Cmp(ints["qi"]) != 0 {
		return errData("the JWK's dp, dq or qi do not match its primes")
	}
	k.priv = priv
	return nil
}

// exportJWK gives the key as a JWK's members, without key_ops and ext.
func exportJWK(k *cryptoKey) (map[string]any, error) {
	b64 := base64.RawURLEncoding.EncodeToString
	switch {
	case k.alg == "HMAC":
		return map[string]any{"kty": "oct", "k": b64(k.secret), "alg": jwkHashAlg["HMAC"][k.hash]}, nil
	case aesAlgs[k.alg]:
		return map[string]any{"kty": "oct", "k": b64(k.secret), "alg": "A" + strconv.Itoa(k.bits) + jwkAlgSuffix[k.alg]}, nil
	case rsaAlgs[k.alg]:
		pub := k.rsaPublic()
		m := map[string]any{"kty": "RSA", "alg": jwkHashAlg[k.alg][k.hash], "n": b64(pub.N.Bytes()), "e": b64(big.NewInt(int64(pub.E)).Bytes())}
		if priv, ok := k.priv.(*rsa.PrivateKey); ok {
			if len(priv.Primes) != 2 {
				return nil, errNotSupported("RSA keys of more than two primes cannot be exported as jwk")
			}
			m["d"], m["p"], m["q"] = b64(priv.D.Bytes()), b64(priv.Primes[0].Bytes()), b64(priv.Primes[1].Bytes())
			m["dp"], m["dq"], m["qi"] = b64(priv.Precomputed.Dp.Bytes()), b64(priv.Precomputed.Dq.Bytes()), b64(priv.Precomputed.Qinv.Bytes())
		}
		return m, nil
	case k.alg == "ECDSA" || k.alg == "ECDH":
		point, err := k.ecPublic().Bytes()
		if err != nil {
			return nil, err
		}
		size := (len(point) - 1) / 2
		m := map[string]any{"kty": "EC", "crv": k.curve, "x": b64(point[1 : 1+size]), "y": b64(point[1+size:])}
		if priv, ok := k.priv.(*ecdsa.PrivateKey); ok {
			d, err := priv.Bytes()
			if err != nil {
				return nil, err
			}
			m["d"] = b64(d)
		}
		return m, nil
	case k.alg == "Ed25519":
		// No alg: the Secure Curves draft dropped it (WICG/webcrypto-secure-curves#24),
		// and Deno, Node and workerd give none.
		m := map[string]any{"kty": "OKP", "crv": "Ed25519", "x": b64(k.pub.(ed25519.PublicKey))}
		if priv, ok := k.priv.(ed25519.PrivateKey); ok {
			m["d"] = b64(priv.Seed())
		}
		return m, nil
	case k.alg == "X25519":
		m := map[string]any{"kty": "OKP", "crv": "X25519", "x": b64(k.pub.(*ecdh.PublicKey).Bytes())}
		if priv, ok := k.priv.(*ecdh.PrivateKey); ok {
			m["d"] = b64(priv.Bytes())
		}
		return m, nil
	}
	return nil, errNotSupported(k.alg + " keys cannot be exported as jwk")
}

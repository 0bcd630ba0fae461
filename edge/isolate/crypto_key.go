package isolate

import (
	"crypto"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"hash"
	"math/big"

	"github.com/dop251/goja"
)

// cryptoKey is the Go side of a Web Crypto CryptoKey: its algorithm's
// parameters and its material. JS holds it only as an opaque handle in a
// WeakMap of js/31-crypto.js, so no secret reaches a JS property;
// extractable and usages live on the JS side, which enforces them.
type cryptoKey struct {
	alg   string // the registered name, e.g. "RSA-PSS"
	kind  string // "secret", "public" or "private"
	hash  string // HMAC and RSA-*: the digest name
	curve string // ECDSA, ECDH: "P-256", "P-384" or "P-521"
	bits  int    // HMAC, AES-*: the key length in bits

	secret []byte // HMAC, AES-*, PBKDF2, HKDF
	// pub and priv are *rsa.PublicKey/*rsa.PrivateKey,
	// *ecdsa.PublicKey/*ecdsa.PrivateKey (ECDSA and ECDH),
	// ed25519.PublicKey/ed25519.PrivateKey or *ecdh.PublicKey/*ecdh.PrivateKey
	// (X25519). priv is nil for a public key.
	pub  any
	priv any
}

// cryptoError is a failure that JS sees as a DOMException of that name (or
// a TypeError when name is "TypeError"), as the Web Crypto spec names it.
type cryptoError struct{ name, msg string }

func (e *cryptoError) Error() string { return e.name + ": " + e.msg }

func errNotSupported(msg string) error  { return &cryptoError{"NotSupportedError", msg} }
func errSyntax(msg string) error        { return &cryptoError{"SyntaxError", msg} }
func errInvalidAccess(msg string) error { return &cryptoError{"InvalidAccessError", msg} }
func errData(msg string) error          { return &cryptoError{"DataError", msg} }
func errOperation(msg string) error     { return &cryptoError{"OperationError", msg} }

// Usages each algorithm allows, by key type. An import or generate with
// any other usage fails with SyntaxError.
var (
	usagesSign      = []string{"sign"}
	usagesVerify    = []string{"verify"}
	usagesHMAC      = []string{"sign", "verify"}
	usagesAES       = []string{"encrypt", "decrypt", "wrapKey", "unwrapKey"}
	usagesAESKW     = []string{"wrapKey", "unwrapKey"}
	usagesOAEPPub   = []string{"encrypt", "wrapKey"}
	usagesOAEPPriv  = []string{"decrypt", "unwrapKey"}
	usagesDerive    = []string{"deriveKey", "deriveBits"}
	usagesNone      = []string{}
	signatureAlgs   = map[string]bool{"HMAC": true, "ECDSA": true, "Ed25519": true, "RSASSA-PKCS1-v1_5": true, "RSA-PSS": true}
	rsaAlgs         = map[string]bool{"RSASSA-PKCS1-v1_5": true, "RSA-PSS": true, "RSA-OAEP": true}
	aesAlgs         = map[string]bool{"AES-CTR": true, "AES-CBC": true, "AES-GCM": true, "AES-KW": true}
	namedCurves     = map[string]elliptic.Curve{"P-256": elliptic.P256(), "P-384": elliptic.P384(), "P-521": elliptic.P521()}
	curveOfElliptic = map[elliptic.Curve]string{elliptic.P256(): "P-256", elliptic.P384(): "P-384", elliptic.P521(): "P-521"}
)

// usagesFor are the usages a key of alg and kind may have.
func usagesFor(alg, kind string) []string {
	switch alg {
	case "HMAC":
		return usagesHMAC
	case "AES-CTR", "AES-CBC", "AES-GCM":
		return usagesAES
	case "AES-KW":
		return usagesAESKW
	case "PBKDF2", "HKDF":
		return usagesDerive
	case "RSA-OAEP":
		if kind == "public" {
			return usagesOAEPPub
		}
		return usagesOAEPPriv
	case "ECDH", "X25519":
		if kind == "public" {
			return usagesNone
		}
		return usagesDerive
	}
	if kind == "public" {
		return usagesVerify
	}
	return usagesSign
}

// checkUsages fails with SyntaxError if usages has one that keys of alg and
// kind cannot have.
func checkUsages(alg, kind string, usages []string) error {
	allowed := usagesFor(alg, kind)
	for _, u := range usages {
		if !contains(allowed, u) {
			return errSyntax("a " + kind + " " + alg + " key cannot be used to " + u)
		}
	}
	return nil
}

// intersect is the usages of want that a key may have, in want's order.
func intersect(want, allowed []string) []string {
	out := []string{}
	for _, u := range want {
		if contains(allowed, u) {
			out = append(out, u)
		}
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// hashes maps Web Crypto digest names to Go's.
var hashes = map[string]crypto.Hash{"SHA-1": crypto.SHA1, "SHA-256": crypto.SHA256, "SHA-384": crypto.SHA384, "SHA-512": crypto.SHA512}

// newHash gives a constructor for the named digest, for HMAC, HKDF and
// PBKDF2 (the generic forms of those take a func() hash.Hash).
func newHash(name string) func() hash.Hash {
	switch name {
	case "SHA-1":
		return sha1.New
	case "SHA-256":
		return sha256.New
	case "SHA-384":
		return sha512.New384
	case "SHA-512":
		return sha512.New
	}
	return nil
}

// checkHash fails unless name is a digest Web Crypto knows. JS has
// normalised it already; the hooks check again, since a missing hash
// would be a nil hash.Hash constructor.
func checkHash(name string) error {
	if newHash(name) == nil {
		return errNotSupported("unsupported hash " + name)
	}
	return nil
}

// blockBits is the digest's block size in bits: an HMAC key's length
// when generateKey or deriveKey is given none.
func blockBits(name string) int {
	if name == "SHA-384" || name == "SHA-512" {
		return 1024
	}
	return 512
}

// algorithmObject is the key's [[algorithm]] as the spec's dictionaries
// shape it: KeyAlgorithm, HmacKeyAlgorithm, AesKeyAlgorithm,
// RsaHashedKeyAlgorithm or EcKeyAlgorithm.
func (k *cryptoKey) algorithmObject(vm *goja.Runtime) *goja.Object {
	o := vm.NewObject()
	_ = o.Set("name", k.alg)
	hashObj := func() *goja.Object {
		h := vm.NewObject()
		_ = h.Set("name", k.hash)
		return h
	}
	switch {
	case k.alg == "HMAC":
		_ = o.Set("hash", hashObj())
		_ = o.Set("length", k.bits)
	case aesAlgs[k.alg]:
		_ = o.Set("length", k.bits)
	case rsaAlgs[k.alg]:
		pub := k.rsaPublic()
		_ = o.Set("modulusLength", pub.N.BitLen())
		e := big.NewInt(int64(pub.E)).Bytes()
		// An ArrayBuffer: js/31-crypto.js makes it the Uint8Array
		// (BigInteger) the spec asks for.
		_ = o.Set("publicExponent", vm.NewArrayBuffer(e))
		_ = o.Set("hash", hashObj())
	case k.alg == "ECDSA" || k.alg == "ECDH":
		_ = o.Set("namedCurve", k.curve)
	}
	return o
}

func (k *cryptoKey) rsaPublic() *rsa.PublicKey {
	if p, ok := k.priv.(*rsa.PrivateKey); ok {
		return &p.PublicKey
	}
	return k.pub.(*rsa.PublicKey)
}

func (k *cryptoKey) ecPublic() *ecdsa.PublicKey {
	if p, ok := k.priv.(*ecdsa.PrivateKey); ok {
		return &p.PublicKey
	}
	return k.pub.(*ecdsa.PublicKey)
}

// publicHalf is the public key of a key pair's private key.
func publicHalf(priv any) any {
	switch p := priv.(type) {
	case *rsa.PrivateKey:
		return &p.PublicKey
	case *ecdsa.PrivateKey:
		return &p.PublicKey
	case ed25519.PrivateKey:
		return p.Public()
	case *ecdh.PrivateKey:
		return p.PublicKey()
	}
	return nil
}

package events

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha512"
	"slices"

	"github.com/oasisprotocol/curve25519-voi/curve"
	"github.com/oasisprotocol/curve25519-voi/curve/scalar"
	voi "github.com/oasisprotocol/curve25519-voi/primitives/ed25519"
)

// Every ed25519 signature Vault judges — envelopes at admission, in the
// live projection, in a replay and in an audit, and control requests — must
// be verified under ZIP-215's rules (Zcash's ZIP 215), through Key.verify
// or a BatchVerifier, never another way, or a replay could disagree with
// the live node:
//
//   - ZIP-215 fixes the validity of every (key, message, signature) triple,
//     including the edge cases on which ed25519 libraries disagree
//     (non-canonical encodings of A and R, small-order A and R), and
//     checks the cofactored equation [8][S]B = [8]R + [8][k]A. Since
//     [S]B = R + [k]A implies it, every signature crypto/ed25519 accepts is
//     accepted; the reverse fails only for signatures crafted with a
//     small-order component, which no honest signer makes.
//   - Batch verification checks a random linear combination of the same
//     cofactored equations, so a batch of signatures that are each valid
//     always passes, and a batch holding an invalid one fails except with
//     probability about 2^-128. Had single verification been cofactorless,
//     as crypto/ed25519's is, a crafted signature could pass a batch and
//     fail alone (or the reverse), and a replay would disagree with the
//     live node. When a batch fails, each of its signatures is verified
//     alone, so the answers are exactly those of single verification.
//   - curve25519-voi verifies one signature two to three times as fast as
//     crypto/ed25519, and a batch of a few hundred signatures, with the
//     terms of each key added up, costs a quarter of that per signature
//     (see BenchmarkVerify).
var zip215 = &voi.Options{Verify: voi.VerifyOptionsZIP_215}

// Verify reports whether sig is the key's valid ed25519 signature of msg,
// under the rules every signature check of Vault shares (see zip215).
func (k *Key) Verify(msg, sig []byte) bool { return k.verify(msg, sig) }

// SigItem is one signature for a BatchVerifier.
type SigItem struct {
	PublicKey ed25519.PublicKey
	Msg       []byte
	Sig       []byte
}

// maxBatch bounds one batch equation: past a few hundred signatures the
// gain per signature is small, and a batch that fails costs a single
// verification of each of its signatures.
const maxBatch = 512

// maxKeys bounds the decoded public keys a BatchVerifier keeps; a ledger
// names far fewer.
const maxKeys = 1024

// BatchVerifier verifies many signatures at once, with exactly the
// verdicts of Key.Verify. A BatchVerifier is not safe for concurrent use:
// give each goroutine its own, and keep it, as it remembers decoded keys.
//
// For signatures i = 1..n, with public key A_i, R_i and S_i the halves of
// the signature and k_i = SHA-512(R_i || A_i || msg_i) mod ℓ, it checks
//
//	[8]( [-Σ z_i S_i]B + Σ [z_i]R_i + Σ_A [Σ_{i: A_i = A} z_i k_i]A ) = 0
//
// for random 128-bit z_i: the sum of each signature's cofactored ZIP-215
// equation [8](R_i + [k_i]A_i - [S_i]B) = 0 weighted by z_i, with the
// terms of signatures by the same key added up first (a ledger has few
// keys, so the multiscalar multiplication has about n+1 terms, not 2n+1,
// as in ed25519-zebra). If every signature is valid each term is of small
// order and the equation holds. If one is not, it holds with probability
// about 2^-128 over the z_i, which the signer cannot predict. When it
// fails, each signature is verified alone.
type BatchVerifier struct {
	keys map[string]*curve.EdwardsPoint // by encoding; nil: no point

	// Buffers reused from batch to batch.
	r       []curve.EdwardsPoint
	z       []scalar.Scalar
	zBytes  []byte
	keyCoef []scalar.Scalar
	keyPt   []*curve.EdwardsPoint
	keyAt   map[string]int
	in      []int         // items in the equation
	sB      scalar.Scalar // B's coefficient
	scalars []*scalar.Scalar
	points  []*curve.EdwardsPoint
}

// NewBatchVerifier returns an empty verifier.
func NewBatchVerifier() *BatchVerifier {
	return &BatchVerifier{keys: map[string]*curve.EdwardsPoint{}, keyAt: map[string]int{}}
}

// VerifyBatch verifies items with a new BatchVerifier: ok[i] is what
// Key.Verify says of items[i].
func VerifyBatch(items []SigItem) []bool { return NewBatchVerifier().Verify(items) }

// Verify returns ok, with ok[i] what Key.Verify says of items[i].
func (v *BatchVerifier) Verify(items []SigItem) []bool {
	ok := make([]bool, len(items))
	// Equal batches: a short last one would cost more per signature.
	batches := (len(items) + maxBatch - 1) / maxBatch
	for b := range batches {
		lo, hi := len(items)*b/batches, len(items)*(b+1)/batches
		v.verify(items[lo:hi], ok[lo:hi])
	}
	return ok
}

func (v *BatchVerifier) verify(items []SigItem, ok []bool) {
	v.add(items)
	if len(v.in) == 0 {
		return
	}
	if v.holds() {
		for _, i := range v.in {
			ok[i] = true
		}
		return
	}
	for _, i := range v.in {
		ok[i] = (&Key{PublicKey: items[i].PublicKey}).verify(items[i].Msg, items[i].Sig)
	}
}

// add sets up the batch equation for the items that pass the checks
// single verification makes before its equation; the others are invalid.
// v.in lists those in the equation.
func (v *BatchVerifier) add(items []SigItem) {
	n := len(items)
	v.r = slices.Grow(v.r[:0], n)[:n]
	v.z = slices.Grow(v.z[:0], n)[:n]
	v.zBytes = slices.Grow(v.zBytes[:0], 16*n)[:16*n]
	if _, err := rand.Read(v.zBytes); err != nil {
		panic("events: no randomness for batch verification: " + err.Error())
	}
	v.keyCoef, v.keyPt, v.in = v.keyCoef[:0], v.keyPt[:0], v.in[:0]
	clear(v.keyAt)
	sB := &v.sB
	sB.Zero()
	h := sha512.New()
	var hram [sha512.Size]byte
	for i, it := range items {
		// The checks single verification makes before its equation.
		a := v.key(it.PublicKey)
		if a == nil || len(it.Sig) != ed25519.SignatureSize || !scalar.ScMinimalVartime(it.Sig[32:]) {
			continue
		}
		var rc curve.CompressedEdwardsY
		copy(rc[:], it.Sig[:32])
		if _, err := v.r[len(v.in)].SetCompressedY(&rc); err != nil {
			continue
		}
		var s, k, t scalar.Scalar
		if _, err := s.SetBytesModOrder(it.Sig[32:]); err != nil {
			continue
		}
		h.Reset()
		h.Write(it.Sig[:32])
		h.Write(it.PublicKey)
		h.Write(it.Msg)
		if _, err := k.SetBytesModOrderWide(h.Sum(hram[:0])); err != nil {
			continue
		}
		var zb [scalar.ScalarSize]byte
		copy(zb[:16], v.zBytes[16*i:])
		z := &v.z[len(v.in)]
		if _, err := z.SetBytesModOrder(zb[:]); err != nil {
			continue
		}
		sB.Add(sB, t.Mul(z, &s))
		j, seen := v.keyAt[string(it.PublicKey)]
		if !seen {
			j = len(v.keyPt)
			v.keyAt[string(it.PublicKey)] = j
			v.keyPt = append(v.keyPt, a)
			v.keyCoef = append(v.keyCoef, scalar.Scalar{})
		}
		v.keyCoef[j].Add(&v.keyCoef[j], t.Mul(z, &k))
		v.in = append(v.in, i)
	}
	sB.Neg(sB)
	v.scalars = append(v.scalars[:0], sB)
	v.points = append(v.points[:0], curve.ED25519_BASEPOINT_POINT)
	for e := range v.in {
		v.scalars = append(v.scalars, &v.z[e])
		v.points = append(v.points, &v.r[e])
	}
	for j := range v.keyPt {
		v.scalars = append(v.scalars, &v.keyCoef[j])
		v.points = append(v.points, v.keyPt[j])
	}
}

// holds reports whether the batch equation holds.
func (v *BatchVerifier) holds() bool {
	var sum curve.EdwardsPoint
	return sum.MultiscalarMulVartime(v.scalars, v.points).IsSmallOrder()
}

// key decodes a public key as single verification does under ZIP-215 (any
// encoding of a point, small order or not); nil if it is none.
func (v *BatchVerifier) key(pub ed25519.PublicKey) *curve.EdwardsPoint {
	if len(pub) != ed25519.PublicKeySize {
		return nil
	}
	if a, found := v.keys[string(pub)]; found {
		return a
	}
	if len(v.keys) >= maxKeys {
		clear(v.keys)
	}
	var c curve.CompressedEdwardsY
	copy(c[:], pub)
	a := new(curve.EdwardsPoint)
	if _, err := a.SetCompressedY(&c); err != nil {
		a = nil
	}
	v.keys[string(pub)] = a
	return a
}

package events

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha512"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/oasisprotocol/curve25519-voi/curve"
	"github.com/oasisprotocol/curve25519-voi/curve/scalar"
)

// verifyOne is the single verification every batch verdict must equal.
func verifyOne(it SigItem) bool { return (&Key{PublicKey: it.PublicKey}).Verify(it.Msg, it.Sig) }

// checkBatch requires VerifyBatch to give, item by item, the verdicts of
// single verification, and those verdicts to be want (if want is set).
func checkBatch(t *testing.T, items []SigItem, want []bool) {
	t.Helper()
	got := VerifyBatch(items)
	if len(got) != len(items) {
		t.Fatalf("VerifyBatch returned %d verdicts for %d items", len(got), len(items))
	}
	for i, it := range items {
		single := verifyOne(it)
		if got[i] != single {
			t.Errorf("item %d: batch says %v, single verification %v", i, got[i], single)
		}
		if want != nil && single != want[i] {
			t.Errorf("item %d: single verification says %v, want %v", i, single, want[i])
		}
	}
}

// forger makes every kind of signature item, valid or not, and says
// which verdict each must get.
type forger struct {
	rng     *rand.Rand
	signers []*Signer
}

func newForger(t testing.TB, seed uint64) *forger {
	return &forger{rng: rand.New(rand.NewPCG(seed, 0)), signers: []*Signer{testSigner(t, 1), testSigner(t, 2), testSigner(t, 3)}}
}

func (f *forger) msg() []byte {
	m := make([]byte, f.rng.IntN(300))
	for i := range m {
		m[i] = byte(f.rng.Uint32())
	}
	return PAE(PayloadType, m)
}

func (f *forger) valid() SigItem {
	it, _ := f.signed()
	return it
}

// signed is a valid item and the index of its signer.
func (f *forger) signed() (SigItem, int) {
	i := f.rng.IntN(len(f.signers))
	msg := f.msg()
	return SigItem{PublicKey: f.signers[i].Public(), Msg: msg, Sig: f.signers[i].Sign(msg)}, i
}

var itemKinds = []string{"valid", "flipped-sig", "wrong-key", "wrong-msg", "short-sig", "long-sig", "no-sig",
	"short-key", "long-key", "no-key", "key-off-curve", "non-canonical-s", "small-order-key", "torsion-r"}

// item makes one item of kind and says whether it is valid.
func (f *forger) item(t testing.TB, kind string) (SigItem, bool) {
	it, signer := f.signed()
	switch kind {
	case "valid":
		return it, true
	case "flipped-sig":
		it.Sig[f.rng.IntN(len(it.Sig))] ^= 1 << f.rng.IntN(8)
	case "wrong-key":
		it.PublicKey = f.signers[(signer+1)%len(f.signers)].Public()
	case "wrong-msg":
		it.Msg = append(it.Msg, 'x')
	case "short-sig":
		it.Sig = it.Sig[:ed25519.SignatureSize-1]
	case "long-sig":
		it.Sig = append(it.Sig, 0)
	case "no-sig":
		it.Sig = nil
	case "short-key":
		it.PublicKey = it.PublicKey[:ed25519.PublicKeySize-1]
	case "long-key":
		it.PublicKey = append(bytes.Clone(it.PublicKey), 0)
	case "no-key":
		it.PublicKey = nil
	case "key-off-curve":
		it.PublicKey = offCurve(t)
	case "non-canonical-s":
		it.Sig = addOrder(t, it.Sig)
	case "small-order-key":
		// The identity as a key signs every message with R = [s]B, S = s:
		// crypto/ed25519 accepts such signatures as ZIP-215 does. The
		// keyring never names such a key unless an admin added it.
		pub, sig := identityKeySignature(t, it.Msg)
		return SigItem{PublicKey: pub, Msg: it.Msg, Sig: sig}, true
	case "torsion-r":
		pub, sig := torsionSignature(t, bytes.Repeat([]byte{4}, ed25519.SeedSize), it.Msg)
		return SigItem{PublicKey: pub, Msg: it.Msg, Sig: sig}, true
	default:
		t.Fatalf("unknown kind %q", kind)
	}
	return it, false
}

// TestVerifyBatchMatchesSingle mixes valid signatures with every kind of
// invalid one, in shares from none to all, and requires each batch verdict
// to equal single verification's.
func TestVerifyBatchMatchesSingle(t *testing.T) {
	seed := rand.Uint64()
	t.Logf("seed %d", seed)
	f := newForger(t, seed)
	for _, bad := range []float64{0, 0.002, 0.05, 0.5, 1} {
		for _, n := range []int{1, 2, 7, maxBatch, maxBatch + 1, 3*maxBatch - 5} {
			t.Run(fmt.Sprintf("bad=%v/n=%d", bad, n), func(t *testing.T) {
				items, want := make([]SigItem, n), make([]bool, n)
				for i := range items {
					kind := "valid"
					if f.rng.Float64() < bad {
						kind = itemKinds[1+f.rng.IntN(len(itemKinds)-1)]
					}
					items[i], want[i] = f.item(t, kind)
				}
				checkBatch(t, items, want)
			})
		}
	}
}

// TestVerifyEveryKind runs each kind of item alone and in a batch of
// valid ones.
func TestVerifyEveryKind(t *testing.T) {
	f := newForger(t, 1)
	for _, kind := range itemKinds {
		t.Run(kind, func(t *testing.T) {
			it, ok := f.item(t, kind)
			checkBatch(t, []SigItem{it}, []bool{ok})
			items, want := []SigItem{f.valid(), f.valid(), it, f.valid()}, []bool{true, true, ok, true}
			checkBatch(t, items, want)
		})
	}
}

// TestBatchEquation checks the batch equation itself, which a fallback to
// single verification would otherwise hide: it holds for valid signatures
// of several keys (small-order ones included) and fails as soon as one
// well-formed signature is invalid.
func TestBatchEquation(t *testing.T) {
	f := newForger(t, 3)
	var valid []SigItem
	for _, kind := range []string{"valid", "valid", "small-order-key", "torsion-r"} {
		it, _ := f.item(t, kind)
		valid = append(valid, it)
	}
	for range 100 {
		valid = append(valid, f.valid())
	}
	v := NewBatchVerifier()
	v.add(valid)
	if len(v.in) != len(valid) || !v.holds() {
		t.Fatalf("the equation of %d valid signatures fails (%d in it)", len(valid), len(v.in))
	}
	for _, kind := range []string{"wrong-key", "wrong-msg", "low-s-bit"} {
		for range 10 {
			items := slices.Clone(valid)
			bad, _ := f.item(t, "valid")
			switch kind {
			case "low-s-bit":
				bad.Sig[32] ^= 1 // S stays canonical, so the item is in the equation
			default:
				bad, _ = f.item(t, kind)
			}
			items[f.rng.IntN(len(items))] = bad
			v.add(items)
			if len(v.in) != len(items) || v.holds() {
				t.Fatalf("%s: the equation holds (%d of %d items in it)", kind, len(v.in), len(items))
			}
		}
	}
}

// TestVerifyAcceptsStdlibSignatures: what crypto/ed25519 signs and
// accepts, ZIP-215 accepts too.
func TestVerifyAcceptsStdlibSignatures(t *testing.T) {
	f := newForger(t, 2)
	var items []SigItem
	for range 100 {
		pub, priv, err := ed25519.GenerateKey(nil)
		if err != nil {
			t.Fatal(err)
		}
		msg := f.msg()
		sig := ed25519.Sign(priv, msg)
		if !ed25519.Verify(pub, msg, sig) {
			t.Fatal("crypto/ed25519 refused its own signature")
		}
		items = append(items, SigItem{PublicKey: pub, Msg: msg, Sig: sig})
	}
	want := make([]bool, len(items))
	for i := range want {
		want[i] = true
	}
	checkBatch(t, items, want)
}

// TestVerifyRejectsEveryBitFlip flips each bit of a signature, and each
// byte of the signed message, and requires every copy to be refused, alone
// and in a batch.
func TestVerifyRejectsEveryBitFlip(t *testing.T) {
	s := testSigner(t, 1)
	msg := PAE(PayloadType, payloadMod0)
	sig := s.Sign(msg)
	var items []SigItem
	for i := range sig {
		for bit := range 8 {
			bad := bytes.Clone(sig)
			bad[i] ^= 1 << bit
			items = append(items, SigItem{PublicKey: s.Public(), Msg: msg, Sig: bad})
		}
	}
	for i := range msg {
		bad := bytes.Clone(msg)
		bad[i] ^= 1 << (i % 8)
		items = append(items, SigItem{PublicKey: s.Public(), Msg: bad, Sig: sig})
	}
	checkBatch(t, items, make([]bool, len(items)))
	checkBatch(t, []SigItem{{PublicKey: s.Public(), Msg: msg, Sig: sig}}, []bool{true})
}

// TestVerifyZIP215 pins down where ZIP-215 differs from crypto/ed25519:
// a signature whose R carries a small-order component satisfies the
// cofactored equation only. Only the holder of the private key (or of a
// small-order key) can make one; either way, every verifier of Vault now
// gives it the same answer.
func TestVerifyZIP215(t *testing.T) {
	msg := PAE(PayloadType, payloadMod1)
	pub, sig := torsionSignature(t, bytes.Repeat([]byte{4}, ed25519.SeedSize), msg)
	if ed25519.Verify(pub, msg, sig) {
		t.Fatal("crypto/ed25519 accepts the torsion signature; the test does not build what it means to")
	}
	checkBatch(t, []SigItem{{PublicKey: pub, Msg: msg, Sig: sig}}, []bool{true})
}

// FuzzVerifyBatch puts an arbitrary (key, message, signature) between
// valid items and requires the batch verdicts to equal single ones.
func FuzzVerifyBatch(f *testing.F) {
	s := testSigner(f, 1)
	msg := PAE(PayloadType, payloadMod0)
	sig := s.Sign(msg)
	f.Add([]byte(s.Public()), msg, sig)
	flipped := bytes.Clone(sig)
	flipped[40] ^= 0x10
	f.Add([]byte(s.Public()), msg, flipped)
	f.Add([]byte(s.Public()), msg, sig[:63])
	f.Add(make([]byte, 32), msg, sig)
	pub, torsion := torsionSignature(f, bytes.Repeat([]byte{4}, ed25519.SeedSize), msg)
	f.Add([]byte(pub), msg, torsion)

	f.Fuzz(func(t *testing.T, pub, msg, sig []byte) {
		items := []SigItem{{PublicKey: s.Public(), Msg: []byte("a"), Sig: s.Sign([]byte("a"))}, {PublicKey: pub, Msg: msg, Sig: sig}}
		items = append(items, items[0])
		got := VerifyBatch(items)
		for i, it := range items {
			if single := verifyOne(it); got[i] != single {
				t.Fatalf("item %d: batch says %v, single verification %v", i, got[i], single)
			}
		}
		if !got[0] || !got[2] {
			t.Fatal("a valid signature was refused beside the fuzzed one")
		}
	})
}

// torsionSignature signs msg with the key of seed, but with R = [r]B + T
// for a point T of order 4: [S]B - [k]A - R = -T, which is no identity
// (crypto/ed25519 refuses it) but vanishes once multiplied by the
// cofactor 8 (ZIP-215 accepts it).
func torsionSignature(t testing.TB, seed, msg []byte) (ed25519.PublicKey, []byte) {
	t.Helper()
	h := sha512.Sum512(seed)
	h[0] &= 248
	h[31] &= 127
	h[31] |= 64
	var a, r, k, s scalar.Scalar
	if _, err := a.SetBytesModOrder(h[:32]); err != nil {
		t.Fatal(err)
	}
	pub := ed25519.NewKeyFromSeed(seed).Public().(ed25519.PublicKey)
	nonce := sha512.Sum512(append([]byte("torsion nonce"), msg...))
	if _, err := r.SetBytesModOrderWide(nonce[:]); err != nil {
		t.Fatal(err)
	}
	var R, T curve.EdwardsPoint
	R.MulBasepoint(curve.ED25519_BASEPOINT_TABLE, &r)
	var zero curve.CompressedEdwardsY // y = 0: the points (±sqrt(-1), 0), of order 4
	if _, err := T.SetCompressedY(&zero); err != nil {
		t.Fatal(err)
	}
	R.Add(&R, &T)
	var rc curve.CompressedEdwardsY
	rc.SetEdwardsPoint(&R)
	hram := sha512.New()
	hram.Write(rc[:])
	hram.Write(pub)
	hram.Write(msg)
	if _, err := k.SetBytesModOrderWide(hram.Sum(nil)); err != nil {
		t.Fatal(err)
	}
	s.Mul(&k, &a)
	s.Add(&s, &r)
	sig := make([]byte, ed25519.SignatureSize)
	copy(sig, rc[:])
	if err := s.ToBytes(sig[32:]); err != nil {
		t.Fatal(err)
	}
	return pub, sig
}

// identityKeySignature signs msg for the identity point as a public key.
func identityKeySignature(t testing.TB, msg []byte) (ed25519.PublicKey, []byte) {
	t.Helper()
	var s scalar.Scalar
	sum := sha512.Sum512(msg)
	if _, err := s.SetBytesModOrderWide(sum[:]); err != nil {
		t.Fatal(err)
	}
	var R curve.EdwardsPoint
	R.MulBasepoint(curve.ED25519_BASEPOINT_TABLE, &s)
	var rc curve.CompressedEdwardsY
	rc.SetEdwardsPoint(&R)
	sig := make([]byte, ed25519.SignatureSize)
	copy(sig, rc[:])
	if err := s.ToBytes(sig[32:]); err != nil {
		t.Fatal(err)
	}
	pub := make(ed25519.PublicKey, ed25519.PublicKeySize)
	pub[0] = 1 // y = 1, x = 0: the identity
	if !ed25519.Verify(pub, msg, sig) {
		t.Fatal("crypto/ed25519 refuses the identity key's signature")
	}
	return pub, sig
}

// offCurve returns 32 bytes that decode to no curve point.
func offCurve(t testing.TB) ed25519.PublicKey {
	t.Helper()
	for y := byte(2); y != 0; y++ {
		var c curve.CompressedEdwardsY
		c[0] = y
		var p curve.EdwardsPoint
		if _, err := p.SetCompressedY(&c); err != nil {
			return c[:]
		}
	}
	t.Fatal("every y decodes to a point")
	return nil
}

// addOrder returns sig with the group order L added to S: the same
// scalar, non-canonically encoded, which RFC 8032 and ZIP-215 refuse.
func addOrder(t testing.TB, sig []byte) []byte {
	t.Helper()
	l := [32]byte{0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14, 31: 0x10}
	out := bytes.Clone(sig)
	var carry uint16
	for i := range 32 {
		v := uint16(out[32+i]) + uint16(l[i]) + carry
		out[32+i], carry = byte(v), v>>8
	}
	if carry != 0 {
		t.Fatal("S + L overflows 256 bits: S was not reduced")
	}
	return out
}

// BenchmarkVerify compares, per signature, crypto/ed25519, Key.Verify and
// BatchVerifier on batches of two keys' signatures.
func BenchmarkVerify(b *testing.B) {
	f := newForger(b, 4)
	f.signers = f.signers[:2]
	items := make([]SigItem, 1024)
	for i := range items {
		items[i] = f.valid()
	}
	perSig := func(b *testing.B, n int) {
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/1e3/float64(n*b.N), "µs/sig")
	}
	b.Run("stdlib", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			it := items[i%len(items)]
			ed25519.Verify(it.PublicKey, it.Msg, it.Sig)
		}
		perSig(b, 1)
	})
	b.Run("single", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			verifyOne(items[i%len(items)])
		}
		perSig(b, 1)
	})
	for _, n := range []int{64, maxBatch} {
		b.Run(fmt.Sprintf("batch%d", n), func(b *testing.B) {
			v := NewBatchVerifier()
			for b.Loop() {
				v.Verify(items[:n])
			}
			perSig(b, n)
		})
	}
}

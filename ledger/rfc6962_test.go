package ledger

import (
	"bytes"
	"crypto/sha256"
	"errors"
)

// An independent RFC 6962 / RFC 9162 implementation, written from the
// RFCs, to check the proofs the ledger produces with tlog. It shares no
// code with tlog.

func leafHash(data []byte) []byte {
	h := sha256.New()
	h.Write([]byte{0})
	h.Write(data)
	return h.Sum(nil)
}

func nodeHash(l, r []byte) []byte {
	h := sha256.New()
	h.Write([]byte{1})
	h.Write(l)
	h.Write(r)
	return h.Sum(nil)
}

// mth is the Merkle Tree Hash of RFC 6962 §2.1, by its recursive definition.
func mth(leaves [][]byte) []byte {
	switch len(leaves) {
	case 0:
		return sha256.New().Sum(nil)
	case 1:
		return leafHash(leaves[0])
	}
	k := 1
	for k*2 < len(leaves) {
		k *= 2
	}
	return nodeHash(mth(leaves[:k]), mth(leaves[k:]))
}

// verifyInclusion is RFC 9162 §2.1.3.2.
func verifyInclusion(index, size uint64, leaf []byte, proof [][]byte, root []byte) error {
	if index >= size {
		return errors.New("index beyond tree")
	}
	fn, sn := index, size-1
	r := leafHash(leaf)
	for _, p := range proof {
		if sn == 0 {
			return errors.New("proof too long")
		}
		if fn&1 == 1 || fn == sn {
			r = nodeHash(p, r)
			if fn&1 == 0 {
				for fn&1 == 0 && fn != 0 {
					fn >>= 1
					sn >>= 1
				}
			}
		} else {
			r = nodeHash(r, p)
		}
		fn >>= 1
		sn >>= 1
	}
	if sn != 0 {
		return errors.New("proof too short")
	}
	if !bytes.Equal(r, root) {
		return errors.New("root mismatch")
	}
	return nil
}

// verifyConsistency is RFC 9162 §2.1.4.2.
func verifyConsistency(size1, size2 uint64, root1, root2 []byte, proof [][]byte) error {
	if size1 == size2 {
		if len(proof) != 0 || !bytes.Equal(root1, root2) {
			return errors.New("equal sizes need an empty proof and equal roots")
		}
		return nil
	}
	if size1 == 0 || size1 > size2 || len(proof) == 0 {
		return errors.New("bad sizes or empty proof")
	}
	if size1&(size1-1) == 0 { // a power of two: the old root starts the path
		proof = append([][]byte{root1}, proof...)
	}
	fn, sn := size1-1, size2-1
	for fn&1 == 1 {
		fn >>= 1
		sn >>= 1
	}
	fr, sr := proof[0], proof[0]
	for _, c := range proof[1:] {
		if sn == 0 {
			return errors.New("proof too long")
		}
		if fn&1 == 1 || fn == sn {
			fr = nodeHash(c, fr)
			sr = nodeHash(c, sr)
			if fn&1 == 0 {
				for fn&1 == 0 && fn != 0 {
					fn >>= 1
					sn >>= 1
				}
			}
		} else {
			sr = nodeHash(sr, c)
		}
		fn >>= 1
		sn >>= 1
	}
	if sn != 0 {
		return errors.New("proof too short")
	}
	if !bytes.Equal(fr, root1) || !bytes.Equal(sr, root2) {
		return errors.New("root mismatch")
	}
	return nil
}

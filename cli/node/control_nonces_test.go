package node

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2"
)

func TestPebbleNoncesSurviveReopen(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "index")
	db, err := pebble.Open(dir, &pebble.Options{})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	s := pebbleNonces{db}
	if seen, err := s.Remember("abc", now.Add(time.Minute), now); err != nil || seen {
		t.Fatalf("first use: seen=%v err=%v", seen, err)
	}
	if seen, _ := s.Remember("abc", now.Add(time.Minute), now); !seen {
		t.Fatal("a nonce used once was not seen")
	}
	s.Remember("old", now.Add(time.Second), now)
	db.Close()

	db, err = pebble.Open(dir, &pebble.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	s = pebbleNonces{db}
	if seen, _ := s.Remember("abc", now.Add(time.Minute), now.Add(30*time.Second)); !seen {
		t.Fatal("a nonce was forgotten across a reopen")
	}
	later := now.Add(2 * time.Minute)
	if err := s.prune(later); err != nil {
		t.Fatal(err)
	}
	it, _ := db.NewIter(&pebble.IterOptions{LowerBound: controlNoncePrefix})
	n := 0
	for it.First(); it.Valid(); it.Next() {
		n++
	}
	it.Close()
	if n != 0 {
		t.Fatalf("%d expired nonces left after prune", n)
	}
	if seen, _ := s.Remember("abc", later.Add(time.Minute), later); seen {
		t.Fatal("an expired nonce was still refused")
	}
}

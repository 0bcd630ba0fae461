package cache

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

type clock struct{ t time.Time }

func (c *clock) now() time.Time          { return c.t }
func (c *clock) advance(d time.Duration) { c.t = c.t.Add(d) }

func noHeaders(string) string { return "" }

func fresh(maxAge string) http.Header {
	return http.Header{"Cache-Control": {"max-age=" + maxAge}}
}

func put(t *testing.T, p *Partition, url, body string, h http.Header) {
	t.Helper()
	stored, reason, err := p.Put("default", url, "GET", noHeaders, 200, "", h, []byte(body))
	if err != nil || !stored {
		t.Fatalf("put %s: stored=%v reason=%q err=%v", url, stored, reason, err)
	}
}

func TestPutMatchDelete(t *testing.T) {
	s := New(Config{})
	p := s.For("shop")
	put(t, p, "https://a.test/x", "hello", fresh("60"))
	e := p.Match("default", "https://a.test/x", noHeaders)
	if e == nil || string(e.Body) != "hello" || e.Status != 200 {
		t.Fatalf("match = %+v", e)
	}
	if p.Match("other", "https://a.test/x", noHeaders) != nil {
		t.Fatal("a named cache saw the default cache's entry")
	}
	if !p.Delete("default", "https://a.test/x") {
		t.Fatal("delete found nothing")
	}
	if p.Delete("default", "https://a.test/x") {
		t.Fatal("second delete found something")
	}
	if p.Match("default", "https://a.test/x", noHeaders) != nil {
		t.Fatal("matched after delete")
	}
	if st := s.Stats()["shop"]; st.Entries != 0 || st.Bytes != 0 || st.Hits != 1 || st.Misses != 2 || st.Stores != 1 {
		t.Fatalf("stats = %+v", st)
	}
}

func TestFunctionsNeverShareEntries(t *testing.T) {
	s := New(Config{})
	put(t, s.For("a"), "https://x.test/", "a's", fresh("60"))
	if e := s.For("b").Match("default", "https://x.test/", noHeaders); e != nil {
		t.Fatalf("function b read function a's entry: %q", e.Body)
	}
	if e := s.For("a").Match("default", "https://x.test/", noHeaders); e == nil {
		t.Fatal("function a lost its own entry")
	}
}

func TestNonGETIsRefused(t *testing.T) {
	_, _, err := New(Config{}).For("f").Put("default", "https://x.test/", "POST", noHeaders, 200, "", fresh("60"), nil)
	if !errors.Is(err, ErrMethod) {
		t.Fatalf("err = %v", err)
	}
}

func TestExpiredEntriesAreGone(t *testing.T) {
	c := &clock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	s := New(Config{Now: c.now})
	p := s.For("f")
	put(t, p, "https://x.test/", "v", fresh("10"))
	c.advance(9 * time.Second)
	e := p.Match("default", "https://x.test/", noHeaders)
	if e == nil || e.Age(c.now()) != 9 {
		t.Fatalf("fresh entry: %+v", e)
	}
	c.advance(time.Second)
	if p.Match("default", "https://x.test/", noHeaders) != nil {
		t.Fatal("matched an entry at its expiry")
	}
	if st := s.Stats()["f"]; st.Entries != 0 || st.Evictions != 1 {
		t.Fatalf("stats = %+v", st)
	}
}

func TestVarySelectsTheVariant(t *testing.T) {
	s := New(Config{})
	p := s.For("f")
	h := func(lang string) RequestHeader {
		return func(name string) string {
			if name == "Accept-Language" {
				return lang
			}
			return ""
		}
	}
	for _, lang := range []string{"en", "de"} {
		hdr := http.Header{"Cache-Control": {"max-age=60"}, "Vary": {"accept-language"}}
		if ok, _, err := p.Put("default", "https://x.test/", "GET", h(lang), 200, "", hdr, []byte("hello "+lang)); !ok || err != nil {
			t.Fatalf("put %s: %v %v", lang, ok, err)
		}
	}
	for _, lang := range []string{"en", "de"} {
		if e := p.Match("default", "https://x.test/", h(lang)); e == nil || string(e.Body) != "hello "+lang {
			t.Fatalf("Accept-Language %s matched %+v", lang, e)
		}
	}
	if e := p.Match("default", "https://x.test/", h("fr")); e != nil {
		t.Fatalf("Accept-Language fr matched %q", e.Body)
	}
	// A put with the same Vary values replaces that variant only.
	hdr := http.Header{"Cache-Control": {"max-age=60"}, "Vary": {"Accept-Language"}}
	p.Put("default", "https://x.test/", "GET", h("en"), 200, "", hdr, []byte("hi en"))
	if st := s.Stats()["f"]; st.Entries != 2 {
		t.Fatalf("entries = %d, want 2", st.Entries)
	}
	if e := p.Match("default", "https://x.test/", h("en")); string(e.Body) != "hi en" {
		t.Fatalf("en = %q", e.Body)
	}
}

func TestLRUEvictionKeepsTheBudget(t *testing.T) {
	s := New(Config{MaxBytes: 4000, MaxFunctionBytes: 4000, MaxEntryBytes: 1000})
	p := s.For("f")
	body := strings.Repeat("x", 650)
	for i := range 5 {
		put(t, p, fmt.Sprintf("https://x.test/%d", i), body, fresh("60"))
	}
	// Five entries of ~760 bytes fit in 4000; touching 0 makes 1 the oldest.
	if p.Match("default", "https://x.test/0", noHeaders) == nil {
		t.Fatal("entry 0 gone too early")
	}
	put(t, p, "https://x.test/5", body, fresh("60"))
	if s.Bytes() > 4000 {
		t.Fatalf("store holds %d bytes over its 4000 budget", s.Bytes())
	}
	if p.Match("default", "https://x.test/1", noHeaders) != nil {
		t.Fatal("the least recently used entry survived")
	}
	for _, i := range []int{0, 5} {
		if p.Match("default", fmt.Sprintf("https://x.test/%d", i), noHeaders) == nil {
			t.Fatalf("entry %d was evicted", i)
		}
	}
	if st := s.Stats()["f"]; st.Evictions == 0 {
		t.Fatalf("no eviction counted: %+v", st)
	}
	if ok, reason, _ := p.Put("default", "https://x.test/big", "GET", noHeaders, 200, "", fresh("60"), make([]byte, 2000)); ok || reason == "" {
		t.Fatalf("an entry over MaxEntryBytes was stored (%v, %q)", ok, reason)
	}
}

func TestOneFunctionCannotEvictAnother(t *testing.T) {
	s := New(Config{MaxBytes: 8000, MaxFunctionBytes: 2000, MaxEntryBytes: 1000})
	put(t, s.For("quiet"), "https://q.test/", "keep me", fresh("60"))
	noisy := s.For("noisy")
	for i := range 50 {
		put(t, noisy, fmt.Sprintf("https://n.test/%d", i), strings.Repeat("n", 500), fresh("60"))
	}
	if s.For("quiet").Match("default", "https://q.test/", noHeaders) == nil {
		t.Fatal("a noisy function evicted a quiet one's entry")
	}
	if st := s.Stats()["noisy"]; st.Bytes > 2000 {
		t.Fatalf("noisy holds %d bytes over its 2000 share", st.Bytes)
	}
}

func TestConcurrentUse(t *testing.T) {
	s := New(Config{MaxBytes: 1 << 16, MaxEntryBytes: 4096})
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p := s.For(fmt.Sprintf("fn%d", g%3))
			for i := range 300 {
				url := fmt.Sprintf("https://x.test/%d", i%17)
				switch i % 3 {
				case 0:
					p.Put("default", url, "GET", noHeaders, 200, "", fresh("60"), make([]byte, i))
				case 1:
					p.Match("default", url, noHeaders)
				default:
					p.Delete("default", url)
				}
			}
		}()
	}
	wg.Wait()
	var total int64
	for _, st := range s.Stats() {
		if st.Entries < 0 || st.Bytes < 0 {
			t.Fatalf("negative stats: %+v", st)
		}
		total += st.Bytes
	}
	if total != s.Bytes() {
		t.Fatalf("per-function bytes add up to %d, store says %d", total, s.Bytes())
	}
}

package isolate

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/vault-runtime/vault/schemas"
)

func TestLaneBoundsHeavyVersions(t *testing.T) {
	lane := NewLane(1, 1, discardLogger())
	code := "var " + ModuleGlobal + ` = (function(){ return {default:{fetch(){
		const t = Date.now(); while (Date.now() - t < 200) {}
		return new Response("done");
	}}} })();`
	p, err := Compile(Config{Function: "heavy", Version: 1, Code: []byte(code), Lane: lane, Logger: discardLogger(),
		Limits: schemas.Limits{CPUMillis: 5000}})
	if err != nil {
		t.Fatal(err)
	}
	req := &Request{ID: "h", Method: "GET", URL: "http://x/", Header: http.Header{}}
	for i := range heavyStrikes {
		if p.heavy(time.Now()) {
			t.Fatalf("marked heavy after %d strikes, want %d", i, heavyStrikes)
		}
		p.strike()
	}
	if !p.heavy(time.Now()) {
		t.Fatalf("%d strikes did not mark the version heavy", heavyStrikes)
	}
	// One runs, one waits, the third is refused.
	var wg sync.WaitGroup
	errs := make(chan error, 3)
	for range 3 {
		wg.Go(func() {
			_, err := p.Invoke(context.Background(), req)
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	var ok, overloaded int
	for err := range errs {
		switch {
		case err == nil:
			ok++
		case errors.Is(err, ErrOverloaded):
			overloaded++
		default:
			t.Errorf("unexpected error %v", err)
		}
	}
	if ok != 2 || overloaded != 1 {
		t.Fatalf("%d served and %d refused, want 2 and 1", ok, overloaded)
	}

	// A quick version never enters the lane.
	quick := compile(t, `return {default:{fetch(){ return new Response("q") }}}`, schemas.Limits{})
	if _, err := invoke(t, quick, "GET", ""); err != nil || quick.heavy(time.Now()) {
		t.Fatalf("quick version: %v, heavy=%v", err, quick.heavy(time.Now()))
	}
}

func TestLoopsStrikeTheirVersion(t *testing.T) {
	p := compile(t, `return {default:{fetch(){ for(;;){} }}}`, schemas.Limits{CPUMillis: 40})
	for range heavyStrikes {
		if _, err := invoke(t, p, "GET", ""); !errors.Is(err, ErrCPUTime) {
			t.Fatalf("got %v, want ErrCPUTime", err)
		}
	}
	if !p.heavy(time.Now()) {
		t.Fatalf("%d invocations that ran into their CPU limit did not mark the version heavy", heavyStrikes)
	}
}

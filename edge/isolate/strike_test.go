package isolate

import (
	"errors"
	"testing"

	"github.com/vault-runtime/vault/edge/sched"
	"github.com/vault-runtime/vault/schemas"
)

// The watchdog reports each invocation that runs into its CPU limit as a
// strike, and the scheduler's class it is reported to marks the version
// heavy after heavyStrikes of them (sched's TestHeavyLaneBoundsHeavyClasses
// covers the marking itself).
func TestLoopsStrikeTheirVersion(t *testing.T) {
	const heavyStrikes = 3 // sched.heavyStrikes
	class := sched.NewClass("loop")
	code := "var " + ModuleGlobal + " = (function(){ return {default:{fetch(){ for(;;){} }}} })();"
	p, err := Compile(Config{Function: "loop", Version: 1, Code: []byte(code), Logger: discardLogger(),
		Limits: schemas.Limits{CPUMillis: 40}, Strike: class.Strike, StrikeCPU: sched.StrikeCPU})
	if err != nil {
		t.Fatal(err)
	}
	for range heavyStrikes {
		if _, err := invoke(t, p, "GET", ""); !errors.Is(err, ErrCPUTime) {
			t.Fatalf("got %v, want ErrCPUTime", err)
		}
	}
	if !class.Heavy() {
		t.Fatalf("%d invocations that ran into their CPU limit did not mark the version heavy", heavyStrikes)
	}
}

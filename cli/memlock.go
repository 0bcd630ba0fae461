package cli

import (
	"fmt"
	"io"
	"sync"

	"golang.org/x/sys/unix"

	"github.com/vault-runtime/vault/events"
)

// mlockWarning makes a refused mlock a single warning per process.
var mlockWarning sync.Once

// lockKey keeps s's private key out of swap. Where the system refuses
// (RLIMIT_MEMLOCK, `ulimit -l`), the key stays usable and warn says so
// once.
func lockKey(s *events.Signer, warn io.Writer) {
	if err := unix.Mlock(s.Memory()); err != nil {
		mlockWarning.Do(func() {
			fmt.Fprintf(warn, "vault: warning: cannot lock private keys into RAM (mlock: %v; see ulimit -l): they may be written to swap\n", err)
		})
	}
}

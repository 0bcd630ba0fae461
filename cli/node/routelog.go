package node

import (
	"fmt"
	"log/slog"
	"strings"
	"time"
)

// hubNATSLogger is the NATS log of a hub with cluster TLS: another hub's
// refusal of its route, which NATS reports as a TLS alert, also says what
// the operator can do about it, once a minute at most (the hubs redial
// every second); NATS's copy of a refusal routeAuth logged is dropped.
type hubNATSLogger struct {
	natsLogger
	nodeKey  string
	throttle *logThrottle
}

func newHubNATSLogger(log *slog.Logger, nodeKey string) hubNATSLogger {
	return hubNATSLogger{natsLogger{log}, nodeKey, newLogThrottle(time.Minute)}
}

func (l hubNATSLogger) Errorf(format string, v ...any) {
	msg := fmt.Sprintf(format, v...)
	if !strings.Contains(msg, "TLS route handshake error") {
		l.natsLogger.Errorf(format, v...)
		return
	}
	switch {
	case strings.Contains(msg, "handshake error: "+refusedKey):
		// routeAuth said it
	case strings.Contains(msg, "remote error: tls: bad certificate"):
		if l.throttle.due("refused") {
			l.log.Error("another hub refused this hub's route: the ledger there does not trust this hub's node key (an admin adds it with 'vault keys add PUBLIC-KEY --role log'), or its cluster certificate is not from that hub's --nats-ca", "key", l.nodeKey, "nats", msg, "repeats", "at most once a minute")
		}
	case l.throttle.due(msg):
		l.natsLogger.Errorf(format, v...)
	}
}

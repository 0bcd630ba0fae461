package node

import (
	"fmt"
	"log/slog"
)

// natsLogger hands the embedded NATS server's warnings and errors to the
// node's log. Its notices (the start-up banner, one line per stream
// restored) go to debug; its debug and trace output is dropped. Without
// it, JetStream's own account of a stream it could not recover after a
// crash would be lost.
type natsLogger struct{ log *slog.Logger }

func (l natsLogger) Noticef(format string, v ...any) { l.log.Debug(fmt.Sprintf(format, v...)) }
func (l natsLogger) Warnf(format string, v ...any)   { l.log.Warn(fmt.Sprintf(format, v...)) }
func (l natsLogger) Errorf(format string, v ...any)  { l.log.Error(fmt.Sprintf(format, v...)) }
func (l natsLogger) Fatalf(format string, v ...any)  { l.log.Error(fmt.Sprintf(format, v...)) }
func (l natsLogger) Debugf(string, ...any)           {}
func (l natsLogger) Tracef(string, ...any)           {}

package redisstore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"

	"github.com/redis/go-redis/v9"
)

// ErrUnavailable matches (with errors.Is) an *Error whose cause says that
// Redis could not be reached or could not serve the call: a refused or
// broken connection, a timeout, a full connection pool, a closed client,
// or a server that answers LOADING, BUSY, CLUSTERDOWN, TRYAGAIN,
// MASTERDOWN or READONLY (during a failover). go-redis reconnects by
// itself: the next call after Redis returns succeeds.
var ErrUnavailable = errors.New("redisstore: redis unavailable")

// Error is the error of a Store or Deduper call that Redis did not carry
// out, or whose answer could not be read. Op names the call ("load",
// "record", "reserve", "release", "claim", "done", "release claim"); Err is
// the cause, from go-redis or the context. It matches ErrUnavailable when
// the cause is an outage (see ErrUnavailable), and the context's error
// when the caller's context ended.
type Error struct {
	Op  string
	Err error
}

// Error returns "redisstore: <op>: <cause>".
func (e *Error) Error() string { return "redisstore: " + e.Op + ": " + e.Err.Error() }

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Is reports whether target is ErrUnavailable and the cause is an outage.
func (e *Error) Is(target error) bool {
	return target == ErrUnavailable && unavailable(e.Err)
}

// unavailable reports whether err says that Redis could not serve a call,
// as opposed to a call Redis refused (a script error, a wrong type) or a
// caller that gave up (its context).
func unavailable(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) {
		return false
	}
	var ne net.Error
	var oe *net.OpError
	switch {
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, redis.ErrClosed), errors.Is(err, net.ErrClosed),
		errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET),
		errors.Is(err, syscall.EPIPE),
		errors.As(err, &oe), errors.As(err, &ne):
		return true
	case redis.IsLoadingError(err), redis.IsClusterDownError(err), redis.IsTryAgainError(err),
		redis.IsMasterDownError(err), redis.IsReadOnlyError(err), redis.IsMaxClientsError(err),
		redis.HasErrorPrefix(err, "BUSY"):
		return true
	}
	// The pool's timeout is an internal type; match its text.
	return strings.Contains(err.Error(), "connection pool timeout")
}

// wrap returns err as an *Error of op, or nil.
func wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	return &Error{Op: op, Err: err}
}

// errBadValue reports a stored value the store cannot read: a key written
// by something else under the store's prefix.
func errBadValue(v string) error {
	if len(v) > 64 {
		v = v[:64] + "..."
	}
	return fmt.Errorf("unexpected stored value %q (is another program writing under this prefix?)", v)
}

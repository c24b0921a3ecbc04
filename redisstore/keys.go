package redisstore

import (
	"strconv"
	"strings"
	"time"

	"github.com/wacloud/whatsapp"
)

// Times travel to the scripts as two integers: whole microseconds since
// the Unix epoch (floor) and the nanoseconds left over (0 to 999). Redis's
// Lua computes with float64, exact for integers up to 2^53: microseconds
// are exact for about 285 years either side of 1970, and sorted-set scores
// (also float64) hold them exactly. The pair keeps full nanosecond
// precision, so nothing is rounded.
//
// In a hash or string a time is "µs,ns" (e.g. "1741003200000000,0"); the
// sub-microsecond part also leads sorted-set members as three digits, so
// that entries of one microsecond sort by their nanoseconds.

// Bounds of the times the store accepts: microseconds within ±(2^53 -
// 2^51), leaving room to add durations of up to maxDuration.
const (
	maxMicros   = 1<<53 - 1<<51
	maxDuration = time.Duration(1<<51) * time.Microsecond // about 71 years
)

var (
	minTime = time.UnixMicro(-maxMicros)
	maxTime = time.UnixMicro(maxMicros)
)

// split returns t as microseconds and leftover nanoseconds, or false when
// t is outside [minTime, maxTime].
func split(t time.Time) (us, ns int64, ok bool) {
	if t.Before(minTime) || t.After(maxTime) {
		return 0, 0, false
	}
	n := t.UnixNano() // within ±292 years: exact
	us = n / 1000
	ns = n % 1000
	if ns < 0 {
		us--
		ns += 1000
	}
	return us, ns, true
}

// join is the inverse of split.
func join(us, ns int64) time.Time {
	return time.Unix(0, us*1000+ns).UTC()
}

// splitDuration returns d as microseconds and leftover nanoseconds; d must
// be within [0, maxDuration].
func splitDuration(d time.Duration) (us, ns int64) {
	return int64(d / time.Microsecond), int64(d % time.Microsecond)
}

// formatTime returns the "µs,ns" form of a split time.
func formatTime(us, ns int64) string {
	return strconv.FormatInt(us, 10) + "," + strconv.FormatInt(ns, 10)
}

// parseTime reads the "µs,ns" form; "" is the zero time.
func parseTime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	a, b, ok := strings.Cut(s, ",")
	if !ok {
		return time.Time{}, errBadValue(s)
	}
	us, err1 := strconv.ParseInt(a, 10, 64)
	ns, err2 := strconv.ParseInt(b, 10, 64)
	if err1 != nil || err2 != nil || ns < 0 || ns > 999 {
		return time.Time{}, errBadValue(s)
	}
	return join(us, ns), nil
}

// parseFlag reads a Flag stored as "1,µs,ns" or "0,µs,ns".
func parseFlag(s string) (whatsapp.Flag, error) {
	if s == "" {
		return whatsapp.Flag{}, nil
	}
	if len(s) < 3 || (s[0] != '0' && s[0] != '1') || s[1] != ',' {
		return whatsapp.Flag{}, errBadValue(s)
	}
	at, err := parseTime(s[2:])
	return whatsapp.Flag{On: s[0] == '1', At: at}, err
}

// keys builds the key names of one store. Every key starts with the
// prefix. The keys a Reserve or Release touches together share one hash tag
// (so that a script may touch them all on Redis Cluster); the others are
// single keys, free to live in any slot.
//
// User-supplied strings are made unambiguous by a length prefix where two
// of them meet ("4:1055" + user), and brace-free inside a hash tag.
type keys struct {
	prefix       string // escaped
	perPortfolio bool
}

func newKeys(prefix string, perPortfolio bool) keys {
	return keys{prefix: escapeTag(prefix), perPortfolio: perPortfolio}
}

// escapeTag makes s free of braces, reversibly.
func escapeTag(s string) string {
	if !strings.ContainsAny(s, "{}%") {
		return s
	}
	r := strings.NewReplacer("%", "%25", "{", "%7B", "}", "%7D")
	return r.Replace(s)
}

// lp returns s with its length in front, so that lp(a)+b is unambiguous.
func lp(s string) string { return strconv.Itoa(len(s)) + ":" + s }

// counters returns the start of the counter keys of portfolio: the prefix
// and the hash tag they share.
func (k keys) counters(portfolio string) string {
	if k.perPortfolio {
		return k.prefix + "{p:" + escapeTag(portfolio) + "}"
	}
	return k.prefix + "{counters}"
}

// reserveKeys returns the keys of Reserve and Release, in the order the
// scripts expect them: the user's frequency records, the portfolio's tier
// set and tier times, the pair's limit state, the number's throughput
// bucket, the sequence counter.
func (k keys) reserveKeys(u *whatsapp.Usage) []string {
	c := k.counters(u.Portfolio)
	return []string{
		c + ":freq:" + u.User,
		c + ":tierset:" + u.Portfolio,
		c + ":tiertime:" + u.Portfolio,
		c + ":pair:" + lp(u.Phone) + u.User,
		c + ":bucket:" + u.Phone,
		c + ":seq",
	}
}

// window is the pair's customer service and free entry point windows.
func (k keys) window(phone, user string) string { return k.prefix + "win:" + lp(phone) + user }

// user holds the user's opt-in, marketing opt-out and marketing limit.
func (k keys) user(user string) string { return k.prefix + "user:" + user }

// tierLevel is the portfolio's messaging limit; throughputLevel the
// number's throughput level.
func (k keys) tierLevel(portfolio string) string { return k.prefix + "tier:" + portfolio }
func (k keys) throughputLevel(phone string) string {
	return k.prefix + "throughput:" + phone
}

// template returns the template's event log and its sequence counter,
// under one hash tag.
func (k keys) template(t whatsapp.TemplateRef) (log, seq string) {
	c := k.prefix + "{tpl:" + escapeTag(lp(t.Name)+t.Language) + "}"
	return c + ":events", c + ":seq"
}

// dedupe is a Deduper's key.
func (k keys) dedupe(key string) string { return k.prefix + "dedupe:" + key }

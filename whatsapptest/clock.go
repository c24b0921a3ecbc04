package whatsapptest

import (
	"context"
	"sync"
	"time"
)

// Clock is the server's time. A fake clock (NewClock) stands still until the
// test moves it with Advance or Set; a wall clock (NewWallClock) follows the
// system clock, and Advance and Set shift it by an offset. Everything the
// server does with time reads it: the 24-hour windows, timestamps in
// webhooks, template approval delays, webhook retries, injected latency and
// the rate limiters.
//
// Its Now method fits every clock field of the whatsapp package (a
// func() time.Time), so a Guard and the server can share one clock:
//
//	guard := &whatsapp.Guard{Clock: srv.Clock.Now}
//
// A Clock is safe for concurrent use.
type Clock struct {
	mu      sync.Mutex
	wall    bool
	now     time.Time     // fake: the time; wall: unused
	offset  time.Duration // wall: added to time.Now
	changed chan struct{} // closed and replaced whenever the time jumps
	waiting int           // goroutines blocked in WaitUntil
}

// NewClock returns a fake clock set to start. It moves only when Advance or
// Set is called.
func NewClock(start time.Time) *Clock {
	return &Clock{now: start, changed: make(chan struct{})}
}

// NewWallClock returns a clock that follows the system clock. Advance and
// Set shift it forward or backward by an offset, which lets a standalone
// server simulate the passing of a day.
func NewWallClock() *Clock {
	return &Clock{wall: true, changed: make(chan struct{})}
}

// Now returns the clock's current time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.nowLocked()
}

func (c *Clock) nowLocked() time.Time {
	if c.wall {
		return time.Now().Add(c.offset)
	}
	return c.now
}

// Advance moves the clock forward by d (backward for a negative d) and wakes
// everything waiting on it: due webhooks go out, pending templates whose
// review delay is over are approved.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	if c.wall {
		c.offset += d
	} else {
		c.now = c.now.Add(d)
	}
	c.wakeLocked()
	c.mu.Unlock()
}

// Set moves the clock to t, forward or backward, and wakes everything
// waiting on it.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	if c.wall {
		c.offset = time.Until(t)
	} else {
		c.now = t
	}
	c.wakeLocked()
	c.mu.Unlock()
}

func (c *Clock) wakeLocked() {
	close(c.changed)
	c.changed = make(chan struct{})
}

// WaitUntil blocks until the clock reads t or later, or ctx is done, and
// returns ctx's error in that case. On a fake clock it returns only after
// Advance or Set moved the time far enough.
func (c *Clock) WaitUntil(ctx context.Context, t time.Time) error {
	c.mu.Lock()
	c.waiting++
	c.wakeLocked() // BlockUntil callers watch the count
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		c.waiting--
		c.mu.Unlock()
	}()
	for {
		c.mu.Lock()
		now := c.nowLocked()
		changed := c.changed
		c.mu.Unlock()
		if !now.Before(t) {
			return nil
		}
		var timer *time.Timer
		var fire <-chan time.Time
		if c.wall {
			timer = time.NewTimer(t.Sub(now))
			fire = timer.C
		}
		var err error
		select {
		case <-ctx.Done():
			err = ctx.Err()
		case <-changed:
		case <-fire:
		}
		if timer != nil {
			timer.Stop()
		}
		if err != nil {
			return err
		}
	}
}

// BlockUntil blocks until at least n goroutines are waiting on the clock
// (in WaitUntil, or in the server's injected latency), or ctx is done. A
// test calls it before Advance to be sure the wait it means to end has
// begun, without sleeping.
func (c *Clock) BlockUntil(ctx context.Context, n int) error {
	for {
		c.mu.Lock()
		waiting, changed := c.waiting, c.changed
		c.mu.Unlock()
		if waiting >= n {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-changed:
		}
	}
}

// changes returns a channel closed at the next jump of the clock (or change
// in the number of waiters).
func (c *Clock) changes() <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.changed
}

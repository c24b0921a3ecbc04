package whatsapp

import "time"

// Durations of the conversation windows.
const (
	// WindowDuration is how long the customer service window stays open
	// after the user's last message or call.
	WindowDuration = 24 * time.Hour
	// EntryPointWindowDuration is how long a free entry point window stays
	// open after the business's first reply to a user who arrived through a
	// Click-to-WhatsApp ad or a Facebook Page call to action.
	EntryPointWindowDuration = 72 * time.Hour
	// EntryPointReplyDeadline is how long after the user's referral message
	// the business may reply to open the free entry point window: the
	// customer service window that message opened.
	EntryPointReplyDeadline = 24 * time.Hour
)

// Window is the customer service window between a business phone number and
// one user: it opens when the user messages or calls the business and stays
// open for 24 hours after the latest such message. While it is open the
// business may send any kind of message; while it is closed, only
// templates (the platform answers anything else with 131047,
// ErrWindowClosed).
//
// Window is a value: Record returns an updated copy. The zero Window has
// never been opened.
//
// Cloud API: customer service windows (pricing documentation).
type Window struct {
	// LastUserMessage is the time of the latest message or call from the
	// user; zero when there was none.
	LastUserMessage time.Time
}

// Record returns the window after a user message (or call, or
// request_welcome) sent at userMessageAt. Input out of order never moves the
// window backwards: an earlier time than the latest recorded one leaves it
// unchanged. A zero time is ignored.
//
// Record keeps any time it is given, even one in the future; callers that
// cannot trust a timestamp clamp it first (Guard.Observe clamps webhook
// times more than MaxClockSkew ahead of its clock).
func (w Window) Record(userMessageAt time.Time) Window {
	if !userMessageAt.IsZero() && userMessageAt.After(w.LastUserMessage) {
		w.LastUserMessage = userMessageAt
	}
	return w
}

// IsOpen reports whether the window is open at the given time: a user
// message was recorded and at is before ClosesAt. A time before the last
// user message counts as open (clocks disagree by a little, and the user
// did write). A zero at, or a window never opened, is closed.
func (w Window) IsOpen(at time.Time) bool {
	if w.LastUserMessage.IsZero() || at.IsZero() {
		return false
	}
	return at.Before(w.ClosesAt())
}

// ClosesAt returns when the window closes (or closed): 24 hours after the
// last user message. It is the zero time for a window never opened.
func (w Window) ClosesAt() time.Time {
	if w.LastUserMessage.IsZero() {
		return time.Time{}
	}
	return addClamped(w.LastUserMessage, WindowDuration)
}

// FreeEntryPoint is the free entry point window between a business phone
// number and one user. A user who arrives through a Click-to-WhatsApp ad or
// a Facebook Page call to action (on Android or iOS) sends a message that
// carries a referral. If the business replies within 24 hours of it, that
// reply is free and opens a 72-hour window from the reply in which every
// message, templates included, is free.
//
// The free entry point window is about price, not permission: it is
// independent of the customer service window, so once that closes only
// templates may be sent even while this one is open.
//
// FreeEntryPoint is a value: its methods return updated copies. The zero
// value has seen no referral.
//
// Cloud API: free entry point (pricing documentation).
type FreeEntryPoint struct {
	// ReferralAt is the time of the latest user message that carried a
	// referral and may still lead to a window; zero when none.
	ReferralAt time.Time
	// OpenedAt is the time of the business's first reply after ReferralAt
	// within EntryPointReplyDeadline, which opened the window; zero until
	// then.
	OpenedAt time.Time
}

// RecordReferral returns the state after a user message with a referral
// sent at at. A referral that arrives while a window is open, or that is
// older than the latest one recorded, changes nothing; one that arrives
// after the window closed (or before any reply) starts a new wait for the
// business's reply. A zero time is ignored.
func (f FreeEntryPoint) RecordReferral(at time.Time) FreeEntryPoint {
	if at.IsZero() || !at.After(f.ReferralAt) {
		return f
	}
	if f.opened() && at.Before(f.ClosesAt()) {
		// A window is open for the previous referral: a new referral
		// counts only once it has closed.
		return f
	}
	f.ReferralAt = at
	return f
}

// RecordReply returns the state after the business replied at at. The
// first reply within EntryPointReplyDeadline of the referral opens the
// window; a later reply, a reply with no pending referral, and a zero time
// change nothing. Out-of-order input keeps the earliest qualifying reply.
func (f FreeEntryPoint) RecordReply(at time.Time) FreeEntryPoint {
	switch {
	case f.Eligible(at):
		f.OpenedAt = at
	case f.opened() && !at.IsZero() && !at.Before(f.ReferralAt) && at.Before(f.OpenedAt):
		// An earlier reply recorded late moves the opening back.
		f.OpenedAt = at
	}
	return f
}

// opened reports whether the window was opened for the current referral.
func (f FreeEntryPoint) opened() bool {
	return !f.OpenedAt.IsZero() && !f.OpenedAt.Before(f.ReferralAt)
}

// Eligible reports whether a business reply sent at at would open the
// window: a referral was recorded, at is within EntryPointReplyDeadline of
// it, and no window was opened for it yet. Such a reply is itself free.
func (f FreeEntryPoint) Eligible(at time.Time) bool {
	if f.ReferralAt.IsZero() || at.IsZero() || f.opened() {
		return false
	}
	return !at.Before(f.ReferralAt) && at.Before(addClamped(f.ReferralAt, EntryPointReplyDeadline))
}

// IsOpen reports whether the free entry point window is open at at: it
// was opened, and at lies between the opening reply and ClosesAt.
func (f FreeEntryPoint) IsOpen(at time.Time) bool {
	if f.OpenedAt.IsZero() || at.IsZero() {
		return false
	}
	return !at.Before(f.OpenedAt) && at.Before(f.ClosesAt())
}

// ClosesAt returns when the window closes (or closed): 72 hours after the
// opening reply. It is the zero time while no window was opened.
func (f FreeEntryPoint) ClosesAt() time.Time {
	if f.OpenedAt.IsZero() {
		return time.Time{}
	}
	return addClamped(f.OpenedAt, EntryPointWindowDuration)
}

// maxUnix is the latest time, in Unix seconds, the rules compute with;
// adding to a time near it saturates instead of overflowing.
const maxUnix = 1 << 62

// addClamped returns t+d (d ≥ 0), saturating at maxUnix so that
// far-future input never wraps around into the past.
func addClamped(t time.Time, d time.Duration) time.Time {
	if t.Unix() >= maxUnix-int64(d/time.Second)-1 {
		return time.Unix(maxUnix, 0)
	}
	return t.Add(d)
}

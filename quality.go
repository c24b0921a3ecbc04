package whatsapp

import (
	"bytes"
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"time"
)

// QualityRating is a phone number's (or a template's) quality rating, from
// users' blocks, reports, mutes and archives over the last 7 days, weighted
// towards recent days. Values the platform adds later are kept as they
// come; Known reports whether the value is one of the constants.
//
// Cloud API: GET /{phone-number-id}?fields=quality_rating;
// message_template_quality_update webhooks.
type QualityRating string

// Quality ratings.
const (
	QualityGreen   QualityRating = "GREEN"   // high quality
	QualityYellow  QualityRating = "YELLOW"  // medium quality
	QualityRed     QualityRating = "RED"     // low quality
	QualityUnknown QualityRating = "UNKNOWN" // not rated yet
	QualityNA      QualityRating = "NA"      // not applicable (new or unused number)
)

// ParseQualityRating reads a rating as the API writes it, ignoring case and
// surrounding space ("green" is QualityGreen). An unrecognised value is kept
// as given; an empty one is QualityUnknown.
func ParseQualityRating(s string) QualityRating {
	s = strings.TrimSpace(s)
	if s == "" {
		return QualityUnknown
	}
	for _, q := range [...]QualityRating{QualityGreen, QualityYellow, QualityRed, QualityUnknown, QualityNA} {
		if strings.EqualFold(s, string(q)) {
			return q
		}
	}
	if strings.EqualFold(s, "N/A") {
		return QualityNA
	}
	return QualityRating(s)
}

// Known reports whether q is one of the documented ratings.
func (q QualityRating) Known() bool {
	switch q {
	case QualityGreen, QualityYellow, QualityRed, QualityUnknown, QualityNA:
		return true
	}
	return false
}

// rank orders the ratings that say something: RED 1, YELLOW 2, GREEN 3;
// every other value 0.
func (q QualityRating) rank() int {
	switch q {
	case QualityRed:
		return 1
	case QualityYellow:
		return 2
	case QualityGreen:
		return 3
	}
	return 0
}

// AtLeast reports whether q is a known rating at least as good as min:
// GREEN is at least YELLOW, which is at least RED. UNKNOWN, NA and
// unrecognised values are never at least anything.
func (q QualityRating) AtLeast(min QualityRating) bool {
	return q.rank() > 0 && min.rank() > 0 && q.rank() >= min.rank()
}

// PhoneStatus is a business phone number's status. Values the platform adds
// later are kept as they come.
//
// Cloud API: GET /{phone-number-id}?fields=status.
type PhoneStatus string

// Phone number statuses.
const (
	PhoneConnected    PhoneStatus = "CONNECTED" // registered; required to send
	PhoneDisconnected PhoneStatus = "DISCONNECTED"
	PhoneFlagged      PhoneStatus = "FLAGGED"
	PhoneRestricted   PhoneStatus = "RESTRICTED"
	PhoneRateLimited  PhoneStatus = "RATE_LIMITED"
	PhonePending      PhoneStatus = "PENDING"
	PhoneUnverified   PhoneStatus = "UNVERIFIED"
	PhoneMigrated     PhoneStatus = "MIGRATED"
	PhoneBanned       PhoneStatus = "BANNED"
	PhoneDeleted      PhoneStatus = "DELETED"
	PhoneUnknown      PhoneStatus = "UNKNOWN"
)

// CanSend reports whether a number in this status can send messages: only
// CONNECTED can.
func (s PhoneStatus) CanSend() bool { return s == PhoneConnected }

// Tier is a messaging limit: how many unique users a business may reach
// with business-initiated messages (those delivered outside a customer
// service window) in a moving 24 hours. Since October 2025 the limit is
// shared by all numbers of a business portfolio. Values the platform adds
// later are kept as they come; Limit reports false for them.
//
// Cloud API: GET /{phone-number-id}?fields=whatsapp_business_manager_messaging_limit
// (v24+) or messaging_limit_tier (up to v23); business_capability_update
// webhooks.
type Tier string

// Messaging limit tiers. Tier1K is the legacy per-number level that 2K
// replaced in October 2025; it is still parsed. Tier50 is seen on test
// numbers.
const (
	TierNotSet    Tier = "TIER_NOT_SET"
	Tier50        Tier = "TIER_50"
	Tier250       Tier = "TIER_250"
	Tier1K        Tier = "TIER_1K"
	Tier2K        Tier = "TIER_2K"
	Tier10K       Tier = "TIER_10K"
	Tier100K      Tier = "TIER_100K"
	TierUnlimited Tier = "TIER_UNLIMITED"
)

// ParseTier reads a tier as the API writes it, ignoring case and
// surrounding space ("tier_2k" is Tier2K). It also accepts the bare numbers
// some payloads carry instead ("250", "2000", ...; "-1" means unlimited),
// and "UNLIMITED". An unrecognised value is kept as given (Limit then
// reports false); an empty one is TierNotSet.
func ParseTier(s string) Tier {
	s = strings.TrimSpace(s)
	if s == "" {
		return TierNotSet
	}
	for _, t := range [...]Tier{TierNotSet, Tier50, Tier250, Tier1K, Tier2K, Tier10K, Tier100K, TierUnlimited} {
		if strings.EqualFold(s, string(t)) {
			return t
		}
	}
	if strings.EqualFold(s, "UNLIMITED") {
		return TierUnlimited
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		switch n {
		case -1:
			return TierUnlimited
		case 50:
			return Tier50
		case 250:
			return Tier250
		case 1000:
			return Tier1K
		case 2000:
			return Tier2K
		case 10000:
			return Tier10K
		case 100000:
			return Tier100K
		}
	}
	return Tier(s)
}

// UnmarshalJSON decodes a tier written as a string or as a number (some
// payloads carry 250 or -1) through ParseTier; an empty string stays
// empty and null changes nothing. It never fails: another JSON value is
// kept as its text, a tier Limit does not know.
func (t *Tier) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) == 0 || string(b) == "null":
		return nil
	case b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			*t = Tier(b)
			return nil
		}
		if s == "" {
			*t = ""
			return nil
		}
		*t = ParseTier(s)
	default:
		*t = ParseTier(string(b))
	}
	return nil
}

// Limit returns the number of unique users the tier allows in a moving 24
// hours; TierUnlimited returns math.MaxInt. It reports false for
// TierNotSet and for values it does not know.
func (t Tier) Limit() (int, bool) {
	switch t {
	case Tier50:
		return 50, true
	case Tier250:
		return 250, true
	case Tier1K:
		return 1000, true
	case Tier2K:
		return 2000, true
	case Tier10K:
		return 10000, true
	case Tier100K:
		return 100000, true
	case TierUnlimited:
		return math.MaxInt, true
	}
	return 0, false
}

// Known reports whether t is one of the documented tiers.
func (t Tier) Known() bool {
	_, ok := t.Limit()
	return ok || t == TierNotSet
}

// ScaleUp applies the documented automatic scaling rule: a portfolio at
// 2K or above moves up one level (within 6 hours) when its quality is not
// low and, at least once in the last 7 days, it reached at least half its
// current limit. peakUsage is the highest number of unique users reached
// with business-initiated messages in a moving 24 hours over those 7 days.
//
// It returns the next level and true when the rule applies. It returns t
// and false when quality is RED or not known (UNKNOWN, NA, an unrecognised
// value), when usage is below half the limit, at TierUnlimited, and below
// 2K: the way from 250 to 2K is business verification or 2,000 unique
// recipients in 30 days, then a review, not this rule. The legacy Tier1K
// moves to Tier10K.
func (t Tier) ScaleUp(quality QualityRating, peakUsage int) (Tier, bool) {
	var next Tier
	switch t {
	case Tier1K, Tier2K:
		next = Tier10K
	case Tier10K:
		next = Tier100K
	case Tier100K:
		next = TierUnlimited
	default:
		return t, false
	}
	limit, _ := t.Limit()
	if !quality.AtLeast(QualityYellow) || peakUsage < 0 || peakUsage*2 < limit {
		return t, false
	}
	return next, true
}

// ThroughputLevel is a business number's sending capacity, in messages
// per second, inbound and outbound together. Values the platform adds
// later are kept as they come and count as ThroughputStandard.
//
// Cloud API: GET /{phone-number-id}?fields=throughput;
// phone_number_quality_update webhooks (event THROUGHPUT_UPGRADE).
type ThroughputLevel string

// Throughput levels. ThroughputCoexistence is this package's name for the
// fixed capacity of numbers used with both the WhatsApp Business app and
// the Cloud API; the API itself does not report it.
const (
	ThroughputStandard    ThroughputLevel = "STANDARD"    // 80 messages per second, the default
	ThroughputHigh        ThroughputLevel = "HIGH"        // 1,000 messages per second, after the automatic upgrade
	ThroughputCoexistence ThroughputLevel = "COEXISTENCE" // 20 messages per second
)

// Documented throughputs, in messages per second.
const (
	StandardMessagesPerSecond    = 80
	HighMessagesPerSecond        = 1000
	CoexistenceMessagesPerSecond = 20
)

// MessagesPerSecond returns the level's capacity: 1,000 for HIGH, 20 for
// COEXISTENCE, and 80 for STANDARD and every other value.
func (l ThroughputLevel) MessagesPerSecond() int {
	switch ThroughputLevel(strings.ToUpper(string(l))) {
	case ThroughputHigh:
		return HighMessagesPerSecond
	case ThroughputCoexistence:
		return CoexistenceMessagesPerSecond
	}
	return StandardMessagesPerSecond
}

// ThroughputUpgradeEligible applies the documented rule for the free,
// automatic upgrade to 1,000 messages per second: the portfolio's
// messaging limit is unlimited, the number reached at least 100,000 unique
// users outside the customer service window in a moving 24 hours, and its
// quality rating is at least YELLOW.
func ThroughputUpgradeEligible(tier Tier, uniqueUsers24h int, quality QualityRating) bool {
	return tier == TierUnlimited && uniqueUsers24h >= 100000 && quality.AtLeast(QualityYellow)
}

// Template pause durations: a template whose quality falls to RED is paused
// for 3 hours the first time, 6 hours the second, and disabled the third.
const (
	FirstPauseDuration  = 3 * time.Hour
	SecondPauseDuration = 6 * time.Hour
)

// Template status events, as message_template_status_update webhooks name
// them (the event field), and the titles (other_info.title) of pauses.
const (
	TemplateEventApproved   = "APPROVED"
	TemplateEventPaused     = "PAUSED"
	TemplateEventDisabled   = "DISABLED"
	TemplateEventFlagged    = "FLAGGED"
	TemplateEventReinstated = "REINSTATED"
	TemplateEventRejected   = "REJECTED"
	// TemplateEventQuality is this package's event for a quality update
	// (message_template_quality_update); the new score is the event's
	// Detail.
	TemplateEventQuality = "QUALITY_UPDATE"

	PauseTitleFirst        = "FIRST_PAUSE"
	PauseTitleSecond       = "SECOND_PAUSE"
	PauseTitleRateLimiting = "RATE_LIMITING_PAUSE"
	PauseTitleUnpause      = "UNPAUSE"
	PauseTitleDisabled     = "DISABLED"
)

// TemplateHealthEvent is one change to a template's health, as its
// webhooks report it.
type TemplateHealthEvent struct {
	// Event is the status event: APPROVED, PAUSED, DISABLED, FLAGGED,
	// REINSTATED, REJECTED, ... as the webhook's event field has it, or
	// TemplateEventQuality.
	Event string
	// Detail is the pause title for PAUSED and APPROVED (FIRST_PAUSE,
	// SECOND_PAUSE, RATE_LIMITING_PAUSE, UNPAUSE) and the new quality score
	// for TemplateEventQuality; empty otherwise.
	Detail string
	// At is when it happened.
	At time.Time
}

// TemplateHealth is a template's state as its webhooks drive it: status,
// the pause ladder, the FLAGGED warning and the quality score. The zero
// value is a template nothing is known about, which may be sent.
//
// Cloud API: message_template_status_update and
// message_template_quality_update webhooks.
type TemplateHealth struct {
	// Status is the latest status event (APPROVED, PAUSED, DISABLED, ...);
	// empty when none was seen. FLAGGED and quality updates do not change
	// it.
	Status string
	// Pauses is how many times the template was paused for low quality.
	Pauses int
	// PausedUntil is when the current pause ends: 3 hours after the first
	// pause, 6 hours after the second. Zero when not paused, or paused with
	// no documented end (RATE_LIMITING_PAUSE).
	PausedUntil time.Time
	// Flagged is set by FLAGGED (negative feedback: the template is at risk
	// of a pause) and cleared by APPROVED and REINSTATED.
	Flagged bool
	// Quality is the latest quality score.
	Quality QualityRating
}

// Apply returns the health after ev. The ladder: the first PAUSED (or a
// pause titled FIRST_PAUSE) pauses for 3 hours from ev.At, the second (or
// SECOND_PAUSE) for 6 hours, and a third disables the template. APPROVED,
// REINSTATED and the UNPAUSE title end a pause (the count of pauses stays:
// the ladder does not restart). Unknown events set Status and nothing else.
// Apply events in time order; TemplateHealthOf sorts them first.
func (h TemplateHealth) Apply(ev TemplateHealthEvent) TemplateHealth {
	event := strings.ToUpper(strings.TrimSpace(ev.Event))
	detail := strings.ToUpper(strings.TrimSpace(ev.Detail))
	switch event {
	case TemplateEventQuality:
		h.Quality = ParseQualityRating(ev.Detail)
	case TemplateEventFlagged:
		h.Flagged = true
	case TemplateEventPaused:
		n := h.Pauses + 1
		switch detail {
		case PauseTitleFirst:
			n = max(h.Pauses, 1)
		case PauseTitleSecond:
			n = max(h.Pauses, 2)
		case PauseTitleDisabled:
			n = max(h.Pauses, 3)
		}
		h.Pauses = n
		h.Status = TemplateEventPaused
		h.PausedUntil = time.Time{}
		switch {
		case detail == PauseTitleRateLimiting:
			// No documented end: paused until an event says otherwise.
		case n == 1:
			h.PausedUntil = addClamped(ev.At, FirstPauseDuration)
		case n == 2:
			h.PausedUntil = addClamped(ev.At, SecondPauseDuration)
		default:
			h.Status = TemplateEventDisabled
		}
	case TemplateEventDisabled:
		h.Status = TemplateEventDisabled
		h.PausedUntil = time.Time{}
	case TemplateEventApproved, TemplateEventReinstated, "UNPAUSED":
		h.Status = TemplateEventApproved
		h.PausedUntil = time.Time{}
		h.Flagged = false
	case "", "LOCKED", "UNLOCKED":
		// Edit locks do not change whether the template can be sent.
	case "UNARCHIVED":
		h.Status = TemplateEventApproved
	default:
		h.Status = event
	}
	return h
}

// TemplateHealthOf folds events, in time order (stable for equal times),
// into a TemplateHealth. An event equal to an earlier one (same Event,
// Detail and At: a redelivered webhook) is applied once.
func TemplateHealthOf(events []TemplateHealthEvent) TemplateHealth {
	var h TemplateHealth
	sorted := true
	for i := 1; i < len(events); i++ {
		if events[i].At.Before(events[i-1].At) {
			sorted = false
			break
		}
	}
	if !sorted {
		events = sortedHealthEvents(events)
	}
next:
	for i, ev := range events {
		for j := i - 1; j >= 0 && events[j].At.Equal(ev.At); j-- {
			if events[j] == ev {
				continue next
			}
		}
		h = h.Apply(ev)
	}
	return h
}

func sortedHealthEvents(events []TemplateHealthEvent) []TemplateHealthEvent {
	s := append([]TemplateHealthEvent(nil), events...)
	// Insertion sort: the logs are short and mostly ordered.
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j].At.Before(s[j-1].At); j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
	return s
}

// Check reports whether the template may be sent at at. It returns
// ErrTemplatePaused with the end of the pause as retryAt (zero when the
// pause has no documented end), ErrTemplateDisabled, or
// ErrTemplateNotFound for a template that is rejected, pending, deleted or
// archived. A pause whose time is up passes even if no APPROVED event came.
// Unknown statuses pass.
func (h TemplateHealth) Check(at time.Time) (retryAt time.Time, err error) {
	switch h.Status {
	case TemplateEventPaused:
		if !h.PausedUntil.IsZero() && !at.Before(h.PausedUntil) {
			return time.Time{}, nil
		}
		return h.PausedUntil, ErrTemplatePaused
	case TemplateEventDisabled:
		return time.Time{}, ErrTemplateDisabled
	case TemplateEventRejected, "PENDING", "PENDING_DELETION", "DELETED", "ARCHIVED", "IN_APPEAL", "LIMIT_EXCEEDED":
		return time.Time{}, ErrTemplateNotFound
	}
	return time.Time{}, nil
}

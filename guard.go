package whatsapp

import (
	"context"
	"errors"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"
)

// MaxClockSkew is how far ahead of the Guard's clock a webhook timestamp
// may be. A later one is taken as the clock's time, so a bad timestamp
// cannot hold a window open for years.
const MaxClockSkew = 5 * time.Minute

// Guard enforces WhatsApp's sending rules in-process, before a message
// reaches the API: the customer service window, opt-in, marketing opt-out
// and Meta's per-user marketing limit, quiet hours and a frequency cap for
// marketing, template health, the messaging limit (tier), the pair rate
// limit and the number's throughput. A refused send comes back as a
// *RuleError matching the same sentinel the platform's error would
// (ErrWindowClosed, ErrTierLimit, ...), with the earliest time a retry can
// pass where there is one.
//
// The state it decides on lives in Store; Observe keeps it current from
// webhooks. The zero Guard is ready to use: a MemoryStore, the real clock,
// the default Policy. A Guard must not be copied after first use; it is
// safe for concurrent use.
//
// Install it on a Client with WithGuard so that Send checks every message
// and gives back the quotas of a send that fails, or call Reserve (or
// Check) yourself.
type Guard struct {
	// Store holds the rule state; nil means a MemoryStore of the Guard's
	// own, created on first use.
	Store Store
	// Clock returns the current time; nil means time.Now.
	Clock func() time.Time
	// Policy is the business's own rules on top of the platform's.
	Policy Policy
	// Logger receives the errors that cannot be returned: a failed Commit
	// or Cancel after a Send. Nil discards them.
	Logger *slog.Logger

	once     sync.Once
	store    Store
	zones    sync.Map // IANA name -> *time.Location
	displays sync.Map // display phone number digits -> phone number ID
}

// Policy is a business's sending policy, applied by the Guard on top of the
// platform's rules. The zero value is the safe default: opt-in required,
// no marketing from 21:00 to 08:00 or at weekends in the recipient's time
// zone, at most one marketing message per user per 24 hours.
type Policy struct {
	// OptInOptional lets business-initiated messages (sent while the
	// customer service window is closed) and marketing templates go to
	// users with no recorded opt-in. By default they need one: record it
	// with Guard.SetOptIn. Replies inside the window never need one.
	OptInOptional bool

	// QuietHours keeps marketing templates out of the recipient's night
	// and weekend.
	QuietHours QuietHours

	// MarketingCap caps marketing templates per user. A zero Limit means 1
	// per 24 hours; a negative Limit turns the cap off. A zero Period with
	// a positive Limit means 24 hours.
	MarketingCap FrequencyCap

	// DefaultTier is the messaging limit assumed while none was recorded
	// for the portfolio (by a webhook or Guard.SetTier), or when the
	// recorded one is not a known tier. Empty: no limit until one is
	// recorded; recipients are still counted, so the limit is exact from
	// the moment it is known.
	DefaultTier Tier

	// Pair is the pair rate limit rule; the zero value is the documented
	// one (see PairLimit).
	Pair PairLimit

	// Portfolio maps a phone number ID (from a send) or a WhatsApp Business
	// Account ID (from a webhook) to the business portfolio whose
	// messaging limit it shares. Nil: every number shares one portfolio.
	Portfolio func(id string) string

	// Templates looks up a template's category (MARKETING, UTILITY,
	// AUTHENTICATION) and status (APPROVED, PAUSED, ...), e.g. from a
	// TemplateRegistry:
	//
	//	Templates: func(name, lang string) (string, string, bool) {
	//		t, ok := reg.LookupTemplate(name, lang)
	//		return string(t.Category), string(t.Status), ok
	//	}
	//
	// SendInfo.Category overrides the category. A template whose category
	// is unknown is treated as marketing.
	Templates func(name, language string) (category, status string, ok bool)

	// TimeZone returns a recipient's time zone, overriding the one derived
	// from the country calling code of their number. Nil, or a nil
	// result, uses the derived one. SendInfo.TimeZone overrides both.
	TimeZone func(user string) *time.Location

	// DefaultTimeZone is the time zone of recipients whose country the
	// Guard cannot tell (an unknown calling code, a business-scoped user ID
	// of an unknown country). Nil means UTC.
	DefaultTimeZone *time.Location

	// FailOpen admits sends when the Store fails, instead of refusing them
	// with a *StoreError.
	FailOpen bool
}

// QuietHours is when marketing is not sent, in the recipient's local time.
// The zero value is 21:00 to 08:00 every night, and all day on the
// weekend days of the recipient's country (Saturday and Sunday in most;
// Friday and Saturday in much of the Middle East).
type QuietHours struct {
	// Disabled turns the rule off.
	Disabled bool
	// Start and End bound the nightly quiet period as offsets from local
	// midnight; End before Start wraps past midnight. Both zero mean 21:00
	// and 08:00; equal non-zero values mean no nightly quiet period.
	Start, End time.Duration
	// Weekends allows marketing on weekend days.
	Weekends bool
}

// SendInfo carries what the Guard cannot read from a Message.
type SendInfo struct {
	// Category is the template's category (MARKETING, UTILITY,
	// AUTHENTICATION), overriding Policy.Templates.
	Category string
	// TimeZone is the recipient's time zone, overriding Policy.TimeZone
	// and the country table.
	TimeZone *time.Location
}

// RuleError is a send the Guard refused. It matches its sentinel (Err)
// with errors.Is.
type RuleError struct {
	// Rule names the rule: "window", "opt-in", "marketing-opt-out",
	// "marketing-limit", "quiet-hours", "frequency-cap", "tier",
	// "pair-rate", "throughput" or "template".
	Rule string
	// Err is the sentinel: ErrWindowClosed, ErrNotOptedIn,
	// ErrMarketingOptOut, ErrQuietHours, ErrFrequencyCap, ErrTierLimit,
	// ErrPairRateLimited, ErrRateLimited, ErrTemplatePaused,
	// ErrTemplateDisabled or ErrTemplateNotFound.
	Err error
	// RetryAt is the earliest time a retry can pass the rule; zero when
	// no time will do by itself (a closed window needs the user to write).
	RetryAt time.Time
	// PhoneNumberID and To identify the refused send. To is not part of
	// Error's text.
	PhoneNumberID, To string
	// Detail adds what the sentinel does not say, when anything.
	Detail string
}

// Error reads like "whatsapp: guard: pair rate limit reached for this
// recipient (retry at 2025-03-03T12:02:00Z)".
func (e *RuleError) Error() string {
	var b strings.Builder
	b.WriteString("whatsapp: guard: ")
	if e.Err != nil {
		b.WriteString(strings.TrimPrefix(e.Err.Error(), "whatsapp: "))
	} else {
		b.WriteString(e.Rule)
	}
	if e.Detail != "" {
		b.WriteString(": ")
		b.WriteString(e.Detail)
	}
	if !e.RetryAt.IsZero() {
		b.WriteString(" (retry at ")
		b.WriteString(e.RetryAt.UTC().Format(time.RFC3339Nano))
		b.WriteByte(')')
	}
	return b.String()
}

// Unwrap returns Err.
func (e *RuleError) Unwrap() error { return e.Err }

// StoreError is a Store failure met by the Guard. The send was refused
// (unless Policy.FailOpen).
type StoreError struct {
	Op  string // "load", "reserve", "record" or "release"
	Err error
}

// Error returns "whatsapp: guard: store <op>: <cause>".
func (e *StoreError) Error() string { return "whatsapp: guard: store " + e.Op + ": " + e.Err.Error() }

// Unwrap returns Err.
func (e *StoreError) Unwrap() error { return e.Err }

// Reservation is a send the Guard admitted: its quotas are counted until
// Cancel gives them back. Commit records that the send went out.
type Reservation struct {
	// Billing is how the message will be billed.
	Billing Billing
	// At is the time the Guard decided at.
	At time.Time

	g       *Guard
	grant   Grant
	phone   string
	user    string
	opens   bool // the send opens a free entry point window
	mu      sync.Mutex
	settled bool
}

// Commit records that the send went out: a reply that opens a free entry
// point window opens it. It returns a *StoreError if the Store fails.
// Commit or Cancel after the first call of either does nothing.
func (r *Reservation) Commit(ctx context.Context) error {
	if r == nil || !r.settle() {
		return nil
	}
	if r.opens {
		if err := r.g.st().Record(ctx, Fact{Kind: FactReply, Phone: r.phone, User: r.user, At: r.At}); err != nil {
			return &StoreError{Op: "record", Err: err}
		}
	}
	return nil
}

// Cancel gives back the tier budget and the frequency quota the send
// counted, because it did not go out. Throughput and pair limits are not
// given back. It returns a *StoreError if the Store fails.
func (r *Reservation) Cancel(ctx context.Context) error {
	if r == nil || !r.settle() || !r.grant.OK {
		return nil
	}
	if err := r.g.st().Release(ctx, r.grant); err != nil {
		return &StoreError{Op: "release", Err: err}
	}
	return nil
}

func (r *Reservation) settle() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.settled {
		return false
	}
	r.settled = true
	return true
}

func (g *Guard) st() Store {
	g.once.Do(func() {
		g.store = g.Store
		if g.store == nil {
			g.store = NewMemoryStore()
		}
	})
	return g.store
}

func (g *Guard) now() time.Time {
	if g.Clock != nil {
		return g.Clock()
	}
	return time.Now()
}

func (g *Guard) portfolio(id string) string {
	if g.Policy.Portfolio != nil {
		return g.Policy.Portfolio(id)
	}
	return ""
}

// Check decides whether m may be sent now from phoneNumberID, and counts
// it if so, as if it were sent (like Reserve followed by Commit): use
// Reserve to give the quotas back when the send fails. It returns nil, a *RuleError matching the broken rule's
// sentinel, a *ValidationError for a message without content or
// recipient, or a *StoreError.
func (g *Guard) Check(ctx context.Context, phoneNumberID string, m Message, info SendInfo) error {
	return g.decide(ctx, phoneNumberID, &m, &info, nil)
}

// Reserve decides like Check and returns the admitted send's Reservation:
// call Commit once the message was sent, or Cancel if it was not.
func (g *Guard) Reserve(ctx context.Context, phoneNumberID string, m Message, info SendInfo) (*Reservation, error) {
	r := &Reservation{g: g}
	if err := g.decide(ctx, phoneNumberID, &m, &info, r); err != nil {
		return nil, err
	}
	return r, nil
}

// decide applies every rule. When r is not nil it is filled for Commit
// and Cancel.
func (g *Guard) decide(ctx context.Context, phone string, m *Message, info *SendInfo, r *Reservation) error {
	content, ok := contentValue(m.Content)
	if !ok {
		return invalid("type", "message has no content", nil)
	}
	if m.To == "" {
		return invalid("to", "is required", nil)
	}
	now := g.now()
	group := m.RecipientType == "group"
	user := userKey(m.To)

	// The template and its category.
	var tmpl TemplateRef
	isTemplate := false
	if c, ok := content.(Template); ok {
		isTemplate, tmpl = true, TemplateRef{c.Name, NormalizeLanguage(c.Language)}
	} else {
		isTemplate = content.MessageType() == TypeTemplate
	}
	category := info.Category
	if isTemplate && g.Policy.Templates != nil && tmpl.Name != "" {
		if cat, status, ok := g.Policy.Templates(tmpl.Name, tmpl.Language); ok {
			if category == "" {
				category = cat
			}
			if err := registryStatus(status); err != nil {
				return g.refuse("template", err, time.Time{}, phone, m.To, "status "+status)
			}
		}
	}
	marketing := false
	if isTemplate {
		switch TemplatePricingCategory(category) {
		case PricingMarketing, PricingMarketingLite, "":
			marketing = true
		}
	}

	portfolio := g.portfolio(phone)
	st, err := g.st().Load(ctx, StateKey{Phone: phone, User: user, Portfolio: portfolio, Template: tmpl})
	if err != nil {
		if g.Policy.FailOpen {
			return nil
		}
		return &StoreError{Op: "load", Err: err}
	}

	if isTemplate && len(st.TemplateEvents) > 0 {
		if retryAt, err := TemplateHealthOf(st.TemplateEvents).Check(now); err != nil {
			return g.refuse("template", err, retryAt, phone, m.To, "")
		}
	}

	u := Usage{At: now, Phone: phone, User: user, Portfolio: portfolio,
		Throughput: st.Throughput.MessagesPerSecond()}
	open := st.Window.IsOpen(now)
	if !group {
		if !isTemplate && !open {
			return g.refuse("window", ErrWindowClosed, time.Time{}, phone, m.To, "")
		}
		if !g.Policy.OptInOptional && (!open || marketing) && !st.OptIn.On {
			return g.refuse("opt-in", ErrNotOptedIn, time.Time{}, phone, m.To, "")
		}
		if marketing {
			if st.MarketingOptOut.On {
				return g.refuse("marketing-opt-out", ErrMarketingOptOut, time.Time{}, phone, m.To, "")
			}
			if now.Before(st.MarketingLimitedUntil) {
				return g.refuse("marketing-limit", ErrFrequencyCap, st.MarketingLimitedUntil, phone, m.To, "Meta's per-user marketing limit (131049)")
			}
			if quiet, until := g.quiet(user, info, now); quiet {
				return g.refuse("quiet-hours", ErrQuietHours, until, phone, m.To, "")
			}
			u.Frequency = g.marketingCap()
		}
		u.Pair = &g.Policy.Pair
		if !open {
			u.Tier = g.tierLimit(st.Tier)
		}
	}

	grant, err := g.st().Reserve(ctx, u)
	if err != nil {
		if g.Policy.FailOpen {
			return nil
		}
		return &StoreError{Op: "reserve", Err: err}
	}
	if !grant.OK {
		return g.refuseQuota(grant, phone, m.To)
	}
	opens := !group && st.EntryPoint.Eligible(now)
	if r != nil {
		r.Billing = PriceMessage(m.Content, category, st.Window, st.EntryPoint, now)
		r.At, r.grant, r.phone, r.user, r.opens = now, grant, phone, user, opens
	} else if opens {
		// Check counts the send as made: a reply that opens the free entry
		// point window opens it.
		if err := g.st().Record(ctx, Fact{Kind: FactReply, Phone: phone, User: user, At: now}); err != nil && !g.Policy.FailOpen {
			return &StoreError{Op: "record", Err: err}
		}
	}
	return nil
}

// registryStatus maps a template status from a registry to the error a
// send would meet; nil for APPROVED and unknown statuses.
func registryStatus(status string) error {
	switch strings.ToUpper(status) {
	case "PAUSED":
		return ErrTemplatePaused
	case "DISABLED":
		return ErrTemplateDisabled
	case "REJECTED", "PENDING", "PENDING_DELETION", "DELETED", "ARCHIVED", "IN_APPEAL", "LIMIT_EXCEEDED":
		return ErrTemplateNotFound
	}
	return nil
}

func (g *Guard) refuse(rule string, err error, retryAt time.Time, phone, to, detail string) *RuleError {
	return &RuleError{Rule: rule, Err: err, RetryAt: retryAt, PhoneNumberID: phone, To: to, Detail: detail}
}

func (g *Guard) refuseQuota(gr Grant, phone, to string) *RuleError {
	switch gr.Refused {
	case QuotaFrequency:
		return g.refuse("frequency-cap", ErrFrequencyCap, gr.RetryAt, phone, to, "")
	case QuotaTier:
		return g.refuse("tier", ErrTierLimit, gr.RetryAt, phone, to, "")
	case QuotaPair:
		return g.refuse("pair-rate", ErrPairRateLimited, gr.RetryAt, phone, to, "")
	}
	return g.refuse("throughput", ErrRateLimited, gr.RetryAt, phone, to, "")
}

// tierLimit returns Usage.Tier for a business-initiated send under t.
// An unlimited tier counts nothing; an unknown one (and no DefaultTier)
// counts without a limit, so the limit is exact once it is known.
func (g *Guard) tierLimit(t Tier) int {
	limit, ok := t.Limit()
	if !ok {
		t = g.Policy.DefaultTier
		limit, ok = t.Limit()
	}
	switch {
	case !ok:
		return -1
	case t == TierUnlimited:
		return 0
	}
	return limit
}

func (g *Guard) marketingCap() FrequencyCap {
	c := g.Policy.MarketingCap
	switch {
	case c.Limit < 0:
		return FrequencyCap{}
	case c.Limit == 0:
		return FrequencyCap{Limit: 1, Period: 24 * time.Hour}
	case c.Period <= 0:
		c.Period = 24 * time.Hour
	}
	return c
}

// userKey returns the key of a recipient: a business-scoped user ID as it
// is, a phone number as its digits ("+1 (555) 010-0001" is "15550100001",
// like a webhook's wa_id).
func userKey(to string) string {
	if isBSUID(to) {
		return to
	}
	if len(to) > 0 && to[0] == '+' {
		to = to[1:]
	}
	for i := 0; i < len(to); i++ {
		if to[i] < '0' || to[i] > '9' {
			b := make([]byte, 0, len(to))
			for j := 0; j < len(to); j++ {
				if to[j] >= '0' && to[j] <= '9' {
					b = append(b, to[j])
				}
			}
			return string(b)
		}
	}
	return to
}

// Record normalises copies of facts (user keys as Check makes them, times
// no later than MaxClockSkew ahead of the clock, a zero time as now) and
// records them in the Store. It returns a *StoreError if the Store fails.
func (g *Guard) Record(ctx context.Context, facts ...Fact) error {
	return g.record(ctx, append([]Fact(nil), facts...))
}

// record is Record on a slice it may modify.
func (g *Guard) record(ctx context.Context, facts []Fact) error {
	now := g.now()
	for i := range facts {
		f := &facts[i]
		f.User = userKey(f.User)
		if f.Kind != FactMarketingLimited {
			f.At = clampTime(f.At, now)
		}
	}
	if err := g.st().Record(ctx, facts...); err != nil {
		return &StoreError{Op: "record", Err: err}
	}
	return nil
}

// clampTime returns at, or now when at is zero or more than MaxClockSkew
// ahead of now.
func clampTime(at, now time.Time) time.Time {
	if at.IsZero() || at.After(now.Add(MaxClockSkew)) {
		return now
	}
	return at
}

// SetOptIn records that user opted in to messages from the business (or
// withdrew, when optedIn is false), as of now.
func (g *Guard) SetOptIn(ctx context.Context, user string, optedIn bool) error {
	return g.Record(ctx, Fact{Kind: FactOptIn, User: user, On: optedIn})
}

// SetTier records the messaging limit of the portfolio of id (a phone
// number ID or a WhatsApp Business Account ID; see Policy.Portfolio), as
// of now.
func (g *Guard) SetTier(ctx context.Context, id string, t Tier) error {
	return g.Record(ctx, Fact{Kind: FactTier, Portfolio: g.portfolio(id), Value: string(t)})
}

// SetThroughput records a phone number's throughput level, as of now
// (ThroughputCoexistence for a number shared with the WhatsApp Business
// app).
func (g *Guard) SetThroughput(ctx context.Context, phoneNumberID string, l ThroughputLevel) error {
	return g.Record(ctx, Fact{Kind: FactThroughput, Phone: phoneNumberID, Value: string(l)})
}

// Observe updates the rule state from a webhook notification. Its
// signature fits WebhookConfig.OnNotification. It applies:
//
//   - an inbound message (any type but system) opens the customer service
//     window of its number and sender; one with an ad or page referral
//     starts the free entry point path;
//   - a status priced free_entry_point (or of a referral_conversion
//     conversation) confirms the free entry point window;
//   - a failed status with 131050 records a marketing opt-out, one with
//     131049 Meta's per-user marketing limit for 24 hours;
//   - user_preferences records marketing stops and resumes;
//   - template status and quality updates feed the template's health;
//   - business_capability_update and phone_number_quality_update set the
//     portfolio's tier, and a THROUGHPUT_UPGRADE the number's throughput
//     (the number is found by its display number among those seen in
//     earlier message webhooks).
//
// Other changes are ignored. Times are clamped like Record's. It returns a
// *StoreError if the Store fails; the other facts are still recorded.
func (g *Guard) Observe(ctx context.Context, n *Notification) error {
	if n == nil {
		return nil
	}
	now := g.now()
	var facts []Fact
	for i := range n.Entries {
		e := &n.Entries[i]
		for j := range e.Changes {
			facts = g.observeChange(facts, &e.Changes[j], e, now)
		}
	}
	if len(facts) == 0 {
		return nil
	}
	return g.record(ctx, facts)
}

func (g *Guard) observeChange(facts []Fact, c *Change, e *Entry, now time.Time) []Fact {
	at := func(t time.Time) time.Time {
		if t.IsZero() {
			t = e.Time
		}
		return clampTime(t, now)
	}
	switch {
	case c.Messages != nil:
		v := c.Messages
		if v.Metadata.DisplayPhoneNumber != "" && v.Metadata.PhoneNumberID != "" {
			g.displays.Store(userKey(v.Metadata.DisplayPhoneNumber), v.Metadata.PhoneNumberID)
		}
		for k := range v.Messages {
			m := &v.Messages[k]
			if m.Type == "system" {
				continue
			}
			phone := m.PhoneNumberID
			if phone == "" {
				phone = v.Metadata.PhoneNumberID
			}
			user := m.From
			if user == "" {
				user = m.FromUserID
			}
			if user == "" {
				continue
			}
			t := at(m.Timestamp)
			facts = append(facts, Fact{Kind: FactUserMessage, Phone: phone, User: user, At: t})
			if m.Referral != nil {
				facts = append(facts, Fact{Kind: FactReferral, Phone: phone, User: user, At: t})
			}
		}
		for k := range v.Statuses {
			facts = g.observeStatus(facts, &v.Statuses[k], v, at)
		}
	case c.UserPreferences != nil:
		for _, p := range c.UserPreferences.Preferences {
			if !strings.EqualFold(p.Category, "marketing_messages") {
				continue
			}
			user := p.WaID
			if user == "" {
				user = p.UserID
			}
			var on bool
			switch strings.ToLower(p.Value) {
			case "stop":
				on = true
			case "resume":
			default:
				continue
			}
			facts = append(facts, Fact{Kind: FactMarketingOptOut, User: user, On: on, At: at(p.Timestamp)})
		}
	case c.TemplateStatus != nil:
		t := c.TemplateStatus
		detail := ""
		if t.OtherInfo != nil {
			detail = t.OtherInfo.Title
		}
		facts = append(facts, Fact{Kind: FactTemplate, Template: TemplateRef{t.TemplateName, NormalizeLanguage(t.TemplateLanguage)},
			Value: t.Event, Detail: detail, At: at(t.Time)})
	case c.TemplateQuality != nil:
		t := c.TemplateQuality
		facts = append(facts, Fact{Kind: FactTemplate, Template: TemplateRef{t.TemplateName, NormalizeLanguage(t.TemplateLanguage)},
			Value: TemplateEventQuality, Detail: t.NewQualityScore, At: at(t.Time)})
	case c.BusinessCapability != nil:
		b := c.BusinessCapability
		tier := b.MaxDailyConversationsPerBusiness
		if tier == "" && b.MaxDailyConversationPerPhone != 0 {
			tier = strconv.Itoa(b.MaxDailyConversationPerPhone)
		}
		if tier != "" {
			facts = append(facts, Fact{Kind: FactTier, Portfolio: g.portfolio(b.WABAID), Value: string(ParseTier(tier)), At: at(b.Time)})
		}
	case c.PhoneNumberQuality != nil:
		p := c.PhoneNumberQuality
		tier := p.MaxDailyConversationsPerBusiness
		if tier == "" {
			tier = p.CurrentLimit
		}
		if tier != "" {
			facts = append(facts, Fact{Kind: FactTier, Portfolio: g.portfolio(p.WABAID), Value: string(ParseTier(tier)), At: at(p.Time)})
		}
		if strings.EqualFold(p.Event, "THROUGHPUT_UPGRADE") {
			if id, ok := g.displays.Load(userKey(p.DisplayPhoneNumber)); ok {
				facts = append(facts, Fact{Kind: FactThroughput, Phone: id.(string), Value: string(ThroughputHigh), At: at(p.Time)})
			}
		}
	}
	return facts
}

func (g *Guard) observeStatus(facts []Fact, s *Status, v *MessagesValue, at func(time.Time) time.Time) []Fact {
	user := s.RecipientID
	if user == "" {
		user = s.RecipientUserID
	}
	if user == "" || s.RecipientType == "group" {
		return facts
	}
	phone := s.PhoneNumberID
	if phone == "" {
		phone = v.Metadata.PhoneNumberID
	}
	t := at(s.Timestamp)
	if strings.EqualFold(s.Status, "failed") {
		for _, e := range s.Errors {
			if e == nil {
				continue
			}
			switch e.Code {
			case 131050:
				facts = append(facts, Fact{Kind: FactMarketingOptOut, User: user, On: true, At: t})
			case 131049:
				facts = append(facts, Fact{Kind: FactMarketingLimited, User: user, At: addClamped(t, 24*time.Hour)})
			}
		}
		return facts
	}
	fep := s.Pricing != nil && strings.EqualFold(s.Pricing.Type, string(PricingFreeEntryPoint)) ||
		s.Conversation != nil && strings.EqualFold(s.Conversation.Origin.Type, string(PricingReferralConversion))
	if fep {
		opened := t
		if s.Conversation != nil && !s.Conversation.ExpirationTimestamp.IsZero() {
			opened = s.Conversation.ExpirationTimestamp.Add(-EntryPointWindowDuration)
		}
		// A referral at the opening, then the opening reply: opens the
		// window unless one is already open for an earlier referral.
		facts = append(facts,
			Fact{Kind: FactReferral, Phone: phone, User: user, At: at(opened)},
			Fact{Kind: FactReply, Phone: phone, User: user, At: at(opened)})
	}
	return facts
}

// WithGuard installs g on the Client: Send checks every message with
// g.Reserve before the request and refuses it with the Guard's error; after
// the request it commits the reservation, or cancels it (giving back the
// tier budget and frequency quota) when the send certainly did not go out:
// a local error, or an API error with a 4xx status. A transport error or
// a 5xx keeps the quotas counted, since the message may have been sent.
func WithGuard(g *Guard) Option {
	return func(s *settings) {
		if g != nil {
			s.guards = append(s.guards, guardHook{g})
		}
	}
}

// guardHook is the Guard's pre-send hook on a Client.
type guardHook struct{ g *Guard }

func (h guardHook) reserve(ctx context.Context, phoneNumberID string, m *Message) (func(*SendResult, error), error) {
	r, err := h.g.Reserve(ctx, phoneNumberID, *m, SendInfo{})
	if err != nil {
		return nil, err
	}
	return func(_ *SendResult, sendErr error) {
		ctx := context.WithoutCancel(ctx)
		var err error
		if sendErr != nil && notSent(sendErr) {
			err = r.Cancel(ctx)
		} else {
			err = r.Commit(ctx)
		}
		if err != nil && h.g.Logger != nil {
			h.g.Logger.LogAttrs(ctx, slog.LevelError, "whatsapp: guard: settling a reservation failed",
				slog.String("phone_number_id", phoneNumberID), slog.String("error", err.Error()))
		}
	}, nil
}

// notSent reports whether a send error proves the message did not go out:
// the platform refused it (an *APIError with a 4xx status), a local check
// did (*ValidationError, *RuleError, no token), or the context ended before
// the request (the bare context error; once the request is under way, the
// Client wraps it, and the message may have been sent).
func notSent(err error) bool {
	var local notSentError
	if errors.As(err, &local) {
		return true
	}
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		return apiErr.HTTPStatus >= 400 && apiErr.HTTPStatus < 500
	}
	var ve *ValidationError
	var re *RuleError
	switch {
	case errors.As(err, &ve), errors.As(err, &re), errors.Is(err, ErrUnauthorized):
		return true
	case err == context.Canceled, err == context.DeadlineExceeded:
		return true
	}
	return false
}

// quiet reports whether marketing to user is in quiet hours at now, and
// when they end.
func (g *Guard) quiet(user string, info *SendInfo, now time.Time) (bool, time.Time) {
	qh := g.Policy.QuietHours
	if qh.Disabled {
		return false, time.Time{}
	}
	start, end := qh.Start, qh.End
	if start == 0 && end == 0 {
		start, end = 21*time.Hour, 8*time.Hour
	}
	c := lookupCountry(user)
	weekend := weekendSatSun
	if c != nil {
		weekend = c.weekend
	}
	if qh.Weekends {
		weekend = 0
	}
	var locs [3]*time.Location
	zones := locs[:0]
	loc := info.TimeZone
	if loc == nil && g.Policy.TimeZone != nil {
		loc = g.Policy.TimeZone(user)
	}
	switch {
	case loc != nil:
		zones = append(zones, loc)
	case c != nil:
		for _, z := range c.zones {
			zones = append(zones, g.location(z))
		}
	case g.Policy.DefaultTimeZone != nil:
		zones = append(zones, g.Policy.DefaultTimeZone)
	default:
		zones = append(zones, time.UTC)
	}
	return quietUntil(now, zones, weekend, start, end)
}

func (g *Guard) location(z zone) *time.Location {
	if l, ok := g.zones.Load(z.name); ok {
		return l.(*time.Location)
	}
	l, err := time.LoadLocation(z.name)
	if err != nil {
		// No time zone database: the zone's standard offset.
		l = time.FixedZone(z.name, z.offset*60)
	}
	g.zones.Store(z.name, l)
	return l
}

// quietUntil reports whether at is in quiet hours in any of the zones, and
// the first moment after it that is quiet in none.
func quietUntil(at time.Time, zones []*time.Location, weekend weekdays, start, end time.Duration) (bool, time.Time) {
	t := at
	for i := 0; i < 32; i++ {
		moved := false
		for _, loc := range zones {
			if q, until := zoneQuiet(t, loc, weekend, start, end); q {
				t, moved = until, true
			}
		}
		if !moved {
			return !t.Equal(at), t
		}
	}
	// Quiet around the clock (e.g. zones far apart): no time will do.
	return true, time.Time{}
}

// zoneQuiet reports whether t is quiet in loc, and when that quiet period
// ends.
func zoneQuiet(t time.Time, loc *time.Location, weekend weekdays, start, end time.Duration) (bool, time.Time) {
	lt := t.In(loc)
	y, mo, d := lt.Date()
	if weekend.has(lt.Weekday()) {
		n := 1
		for n < 7 && weekend.has((lt.Weekday()+time.Weekday(n))%7) {
			n++
		}
		return true, time.Date(y, mo, d+n, 0, 0, 0, 0, loc)
	}
	tod := time.Duration(lt.Hour())*time.Hour + time.Duration(lt.Minute())*time.Minute +
		time.Duration(lt.Second())*time.Second + time.Duration(lt.Nanosecond())
	at := func(day int, off time.Duration) time.Time {
		return time.Date(y, mo, d+day, 0, 0, 0, int(off), loc)
	}
	switch {
	case start == end:
		return false, time.Time{}
	case start > end: // wraps midnight, e.g. 21:00-08:00
		if tod >= start {
			return true, at(1, end)
		}
		if tod < end {
			return true, at(0, end)
		}
	default: // within the day, e.g. 12:00-14:00
		if tod >= start && tod < end {
			return true, at(0, end)
		}
	}
	return false, time.Time{}
}

// weekdays is a set of days of the week.
type weekdays uint8

const (
	weekendSatSun weekdays = 1<<time.Saturday | 1<<time.Sunday
	weekendFriSat weekdays = 1<<time.Friday | 1<<time.Saturday
	weekendSat    weekdays = 1 << time.Saturday
)

func (w weekdays) has(d time.Weekday) bool { return w&(1<<d) != 0 }

// zone is an IANA time zone with its standard offset in minutes, used when
// the system has no time zone database.
type zone struct {
	name   string
	offset int
}

// country is what the Guard knows of a country: its time zones (the
// extremes, for a country spanning several: quiet hours apply in each) and
// its weekend.
type country struct {
	iso     string
	zones   []zone
	weekend weekdays
}

// countries maps country calling codes to what the Guard knows. A
// recipient whose calling code is not here gets Policy.DefaultTimeZone.
var countries = map[string]*country{
	"1":   {"US", []zone{{"America/New_York", -300}, {"America/Los_Angeles", -480}}, weekendSatSun},
	"7":   {"RU", []zone{{"Europe/Moscow", 180}, {"Asia/Yekaterinburg", 300}}, weekendSatSun},
	"20":  {"EG", []zone{{"Africa/Cairo", 120}}, weekendFriSat},
	"27":  {"ZA", []zone{{"Africa/Johannesburg", 120}}, weekendSatSun},
	"30":  {"GR", []zone{{"Europe/Athens", 120}}, weekendSatSun},
	"31":  {"NL", []zone{{"Europe/Amsterdam", 60}}, weekendSatSun},
	"32":  {"BE", []zone{{"Europe/Brussels", 60}}, weekendSatSun},
	"33":  {"FR", []zone{{"Europe/Paris", 60}}, weekendSatSun},
	"34":  {"ES", []zone{{"Europe/Madrid", 60}}, weekendSatSun},
	"36":  {"HU", []zone{{"Europe/Budapest", 60}}, weekendSatSun},
	"39":  {"IT", []zone{{"Europe/Rome", 60}}, weekendSatSun},
	"40":  {"RO", []zone{{"Europe/Bucharest", 120}}, weekendSatSun},
	"41":  {"CH", []zone{{"Europe/Zurich", 60}}, weekendSatSun},
	"43":  {"AT", []zone{{"Europe/Vienna", 60}}, weekendSatSun},
	"44":  {"GB", []zone{{"Europe/London", 0}}, weekendSatSun},
	"45":  {"DK", []zone{{"Europe/Copenhagen", 60}}, weekendSatSun},
	"46":  {"SE", []zone{{"Europe/Stockholm", 60}}, weekendSatSun},
	"47":  {"NO", []zone{{"Europe/Oslo", 60}}, weekendSatSun},
	"48":  {"PL", []zone{{"Europe/Warsaw", 60}}, weekendSatSun},
	"49":  {"DE", []zone{{"Europe/Berlin", 60}}, weekendSatSun},
	"51":  {"PE", []zone{{"America/Lima", -300}}, weekendSatSun},
	"52":  {"MX", []zone{{"America/Mexico_City", -360}, {"America/Tijuana", -480}}, weekendSatSun},
	"54":  {"AR", []zone{{"America/Argentina/Buenos_Aires", -180}}, weekendSatSun},
	"55":  {"BR", []zone{{"America/Sao_Paulo", -180}, {"America/Manaus", -240}}, weekendSatSun},
	"56":  {"CL", []zone{{"America/Santiago", -240}}, weekendSatSun},
	"57":  {"CO", []zone{{"America/Bogota", -300}}, weekendSatSun},
	"58":  {"VE", []zone{{"America/Caracas", -240}}, weekendSatSun},
	"60":  {"MY", []zone{{"Asia/Kuala_Lumpur", 480}}, weekendSatSun},
	"61":  {"AU", []zone{{"Australia/Sydney", 600}, {"Australia/Perth", 480}}, weekendSatSun},
	"62":  {"ID", []zone{{"Asia/Jakarta", 420}, {"Asia/Makassar", 480}}, weekendSatSun},
	"63":  {"PH", []zone{{"Asia/Manila", 480}}, weekendSatSun},
	"64":  {"NZ", []zone{{"Pacific/Auckland", 720}}, weekendSatSun},
	"65":  {"SG", []zone{{"Asia/Singapore", 480}}, weekendSatSun},
	"66":  {"TH", []zone{{"Asia/Bangkok", 420}}, weekendSatSun},
	"81":  {"JP", []zone{{"Asia/Tokyo", 540}}, weekendSatSun},
	"82":  {"KR", []zone{{"Asia/Seoul", 540}}, weekendSatSun},
	"84":  {"VN", []zone{{"Asia/Ho_Chi_Minh", 420}}, weekendSatSun},
	"86":  {"CN", []zone{{"Asia/Shanghai", 480}}, weekendSatSun},
	"90":  {"TR", []zone{{"Europe/Istanbul", 180}}, weekendSatSun},
	"91":  {"IN", []zone{{"Asia/Kolkata", 330}}, weekendSatSun},
	"92":  {"PK", []zone{{"Asia/Karachi", 300}}, weekendSatSun},
	"94":  {"LK", []zone{{"Asia/Colombo", 330}}, weekendSatSun},
	"212": {"MA", []zone{{"Africa/Casablanca", 60}}, weekendSatSun},
	"213": {"DZ", []zone{{"Africa/Algiers", 60}}, weekendFriSat},
	"216": {"TN", []zone{{"Africa/Tunis", 60}}, weekendSatSun},
	"233": {"GH", []zone{{"Africa/Accra", 0}}, weekendSatSun},
	"234": {"NG", []zone{{"Africa/Lagos", 60}}, weekendSatSun},
	"254": {"KE", []zone{{"Africa/Nairobi", 180}}, weekendSatSun},
	"255": {"TZ", []zone{{"Africa/Dar_es_Salaam", 180}}, weekendSatSun},
	"256": {"UG", []zone{{"Africa/Kampala", 180}}, weekendSatSun},
	"351": {"PT", []zone{{"Europe/Lisbon", 0}}, weekendSatSun},
	"353": {"IE", []zone{{"Europe/Dublin", 0}}, weekendSatSun},
	"358": {"FI", []zone{{"Europe/Helsinki", 120}}, weekendSatSun},
	"380": {"UA", []zone{{"Europe/Kyiv", 120}}, weekendSatSun},
	"420": {"CZ", []zone{{"Europe/Prague", 60}}, weekendSatSun},
	"502": {"GT", []zone{{"America/Guatemala", -360}}, weekendSatSun},
	"503": {"SV", []zone{{"America/El_Salvador", -360}}, weekendSatSun},
	"506": {"CR", []zone{{"America/Costa_Rica", -360}}, weekendSatSun},
	"507": {"PA", []zone{{"America/Panama", -300}}, weekendSatSun},
	"591": {"BO", []zone{{"America/La_Paz", -240}}, weekendSatSun},
	"593": {"EC", []zone{{"America/Guayaquil", -300}}, weekendSatSun},
	"595": {"PY", []zone{{"America/Asuncion", -180}}, weekendSatSun},
	"598": {"UY", []zone{{"America/Montevideo", -180}}, weekendSatSun},
	"852": {"HK", []zone{{"Asia/Hong_Kong", 480}}, weekendSatSun},
	"880": {"BD", []zone{{"Asia/Dhaka", 360}}, weekendFriSat},
	"886": {"TW", []zone{{"Asia/Taipei", 480}}, weekendSatSun},
	"961": {"LB", []zone{{"Asia/Beirut", 120}}, weekendSatSun},
	"962": {"JO", []zone{{"Asia/Amman", 180}}, weekendFriSat},
	"964": {"IQ", []zone{{"Asia/Baghdad", 180}}, weekendFriSat},
	"965": {"KW", []zone{{"Asia/Kuwait", 180}}, weekendFriSat},
	"966": {"SA", []zone{{"Asia/Riyadh", 180}}, weekendFriSat},
	"968": {"OM", []zone{{"Asia/Muscat", 240}}, weekendFriSat},
	"971": {"AE", []zone{{"Asia/Dubai", 240}}, weekendSatSun},
	"972": {"IL", []zone{{"Asia/Jerusalem", 120}}, weekendFriSat},
	"973": {"BH", []zone{{"Asia/Bahrain", 180}}, weekendFriSat},
	"974": {"QA", []zone{{"Asia/Qatar", 180}}, weekendFriSat},
	"977": {"NP", []zone{{"Asia/Kathmandu", 345}}, weekendSat},
}

// lookupCountry returns the country of a user key: by calling code for a
// phone number (codes are prefix-free: the first of 1, 2 or 3 digits that
// matches), by the ISO prefix for a business-scoped user ID; nil when
// unknown.
func lookupCountry(user string) *country {
	if isBSUID(user) {
		iso := strings.ToUpper(user[:2])
		for _, c := range countries {
			if c.iso == iso {
				return c
			}
		}
		return nil
	}
	for n := 1; n <= 3 && n <= len(user); n++ {
		if c := countries[user[:n]]; c != nil {
			return c
		}
	}
	return nil
}

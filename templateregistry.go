package whatsapp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
)

// TemplateRegistry knows the templates of one or more WhatsApp Business
// Accounts: name and language → definition, review status, category and
// quality. Sync (a list call) fills it; template webhooks keep it current.
// Installed with WithTemplateRegistry, it refuses, before any HTTP call, a
// send of a template that is paused, disabled, not approved, unknown (when
// it knows all templates), or whose parameters do not match the definition.
//
// The zero value is an empty registry ready to use. It is safe for
// concurrent use.
type TemplateRegistry struct {
	// Strict makes a send of a template the registry does not know fail
	// with ErrTemplateNotFound even for an account that was never synced.
	// Set it before the registry is used.
	Strict bool

	mu       sync.RWMutex
	entries  map[registryKey]*registryEntry
	wabas    map[string]int  // WABA id → number of entries
	complete map[string]bool // WABA ids whose every template is known
	phones   map[string]string
}

type registryKey struct{ waba, name, lang string }

// registryEntry is immutable once stored: an update stores a new entry, so
// readers may use an entry after releasing the lock.
type registryEntry struct {
	t          MessageTemplate
	shape      *templateShape // nil when the components are unknown or malformed
	beforeArch TemplateStatus // status before archival, to restore on UNARCHIVED
}

func newRegistryEntry(t MessageTemplate) *registryEntry {
	e := &registryEntry{t: t}
	if len(t.Components) > 0 {
		if s, err := compileShape(&e.t); err == nil {
			e.shape = s
		}
	}
	return e
}

// Sync lists every template of the WhatsApp Business Account wabaID with c
// and replaces what the registry knew of that account; from then on, a
// send of a template of that account the registry does not know fails with
// ErrTemplateNotFound. On error the registry is left unchanged.
//
// Cloud API: GET /{waba-id}/message_templates.
func (r *TemplateRegistry) Sync(ctx context.Context, c *Client, wabaID string) error {
	// The fields the send checks and the Guard use.
	opts := &ListTemplatesOptions{Fields: []string{"id", "name", "language", "status", "category",
		"previous_category", "parameter_format", "components", "quality_score", "rejected_reason"}}
	var all []MessageTemplate
	for t, err := range c.ListTemplates(ctx, wabaID, opts) {
		if err != nil {
			return err
		}
		all = append(all, t)
	}
	r.Replace(wabaID, all)
	return nil
}

// Replace sets the templates of the WhatsApp Business Account wabaID to
// ts, dropping the ones it knew before, and marks the account complete:
// a template of it that is not in ts is unknown and its sends are refused
// (ErrTemplateNotFound).
func (r *TemplateRegistry) Replace(wabaID string, ts []MessageTemplate) {
	fresh := make(map[registryKey]*registryEntry, len(ts))
	for _, t := range ts {
		fresh[registryKey{wabaID, t.Name, NormalizeLanguage(t.Language)}] = newRegistryEntry(t)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.init()
	for k := range r.entries {
		if k.waba == wabaID {
			delete(r.entries, k)
		}
	}
	delete(r.wabas, wabaID)
	for k, e := range fresh {
		r.entries[k] = e
	}
	if len(fresh) > 0 {
		r.wabas[wabaID] = len(fresh)
	}
	r.complete[wabaID] = true
}

// Put adds or replaces one template of the WhatsApp Business Account
// wabaID.
func (r *TemplateRegistry) Put(wabaID string, t MessageTemplate) {
	e := newRegistryEntry(t)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.store(registryKey{wabaID, t.Name, NormalizeLanguage(t.Language)}, e)
}

// SetPhoneNumberWABA tells the registry which WhatsApp Business Account a
// business phone number belongs to, so that a send from it is checked
// against that account's templates. Without it, a send is checked against
// the one account the registry knows, or against the account whose
// template has the name and language, when exactly one has.
func (r *TemplateRegistry) SetPhoneNumberWABA(phoneNumberID, wabaID string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.init()
	r.phones[phoneNumberID] = wabaID
}

// Lookup returns the template name in language of the WhatsApp Business
// Account wabaID, and whether the registry knows it. The language may be
// written "en-US" or "en_US".
func (r *TemplateRegistry) Lookup(wabaID, name, language string) (MessageTemplate, bool) {
	r.mu.RLock()
	e := r.entries[registryKey{wabaID, name, NormalizeLanguage(language)}]
	r.mu.RUnlock()
	if e == nil {
		return MessageTemplate{}, false
	}
	return e.t.clone(), true
}

// LookupTemplate returns the template name in language, with its status,
// category and quality, and whether the registry knows it. When several
// accounts the registry knows have a template of that name and language,
// it reports false: use Lookup with the account's id.
func (r *TemplateRegistry) LookupTemplate(name, language string) (MessageTemplate, bool) {
	r.mu.RLock()
	e, _ := r.find("", name, NormalizeLanguage(language))
	r.mu.RUnlock()
	if e == nil {
		return MessageTemplate{}, false
	}
	return e.t.clone(), true
}

// Len returns how many templates (name and language pairs) the registry
// knows.
func (r *TemplateRegistry) Len() int {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return len(r.entries)
}

func (r *TemplateRegistry) init() {
	if r.entries == nil {
		r.entries = map[registryKey]*registryEntry{}
		r.wabas = map[string]int{}
		r.complete = map[string]bool{}
		r.phones = map[string]string{}
	}
}

// store sets the entry of k. The caller holds the write lock.
func (r *TemplateRegistry) store(k registryKey, e *registryEntry) {
	r.init()
	if _, ok := r.entries[k]; !ok {
		r.wabas[k.waba]++
	}
	r.entries[k] = e
}

// remove deletes the entry of k. The caller holds the write lock.
func (r *TemplateRegistry) remove(k registryKey) {
	if _, ok := r.entries[k]; !ok {
		return
	}
	delete(r.entries, k)
	if r.wabas[k.waba]--; r.wabas[k.waba] <= 0 {
		delete(r.wabas, k.waba)
	}
}

// find returns the entry of name and lang in account waba, or, when waba
// is "", in the one account that has it. ambiguous reports that several
// accounts have it. The caller holds a lock.
func (r *TemplateRegistry) find(waba, name, lang string) (e *registryEntry, ambiguous bool) {
	if waba != "" {
		return r.entries[registryKey{waba, name, lang}], false
	}
	for w := range r.wabas {
		if x := r.entries[registryKey{w, name, lang}]; x != nil {
			if e != nil {
				return nil, true
			}
			e = x
		}
	}
	return e, false
}

// wabaFor returns the account of a phone number: the one set with
// SetPhoneNumberWABA, else the only account the registry knows, else "".
// The caller holds a lock.
func (r *TemplateRegistry) wabaFor(phoneNumberID string) string {
	if w, ok := r.phones[phoneNumberID]; ok {
		return w
	}
	only := ""
	for w := range r.complete {
		if only != "" && w != only {
			return ""
		}
		only = w
	}
	for w := range r.wabas {
		if only != "" && w != only {
			return ""
		}
		only = w
	}
	return only
}

// WithTemplateRegistry installs r as a pre-send check: Send refuses a
// template message, before any HTTP call, when r knows the template as
// PAUSED (ErrTemplatePaused) or DISABLED (ErrTemplateDisabled) or in
// another status than APPROVED (ErrTemplateNotFound), when r does not know
// it and knows every template of the sending account or is Strict
// (ErrTemplateNotFound), or when its parameters do not match the
// definition (a *ValidationError matching ErrTemplateParams). When the API
// answers 132015 or 132016 for a send, r records the template as paused or
// disabled.
func WithTemplateRegistry(r *TemplateRegistry) Option {
	return func(s *settings) {
		if r != nil {
			s.guards = append(s.guards, templateGuard{r})
		}
	}
}

// templateGuard is the registry's pre-send hook.
type templateGuard struct{ r *TemplateRegistry }

func (g templateGuard) reserve(_ context.Context, phoneNumberID string, m *Message) (func(*SendResult, error), error) {
	var tpl *Template
	switch c := m.Content.(type) {
	case Template:
		tpl = &c
	case *Template:
		tpl = c
	default:
		return nil, nil
	}
	lang := NormalizeLanguage(tpl.Language)
	r := g.r
	r.mu.RLock()
	waba := r.wabaFor(phoneNumberID)
	e, ambiguous := r.find(waba, tpl.Name, lang)
	complete := r.complete[waba]
	r.mu.RUnlock()

	done := func(_ *SendResult, err error) { r.learn(waba, tpl.Name, lang, err) }
	if e == nil {
		if ambiguous || !(r.Strict || complete) {
			return done, nil
		}
		return nil, fmt.Errorf("whatsapp: template %q in %s is not known to the registry: %w", tpl.Name, lang, ErrTemplateNotFound)
	}
	if err := statusError(&e.t); err != nil {
		return nil, err
	}
	if e.shape != nil {
		if err := e.shape.check(&e.t, *tpl); err != nil {
			return nil, err
		}
	}
	return done, nil
}

// statusError returns the error a send of t gets for its status, or nil
// when t may be sent. A status this package does not know is let through:
// the API decides.
func statusError(t *MessageTemplate) error {
	var sentinel error
	switch t.Status {
	case TemplateStatusApproved, "":
		return nil
	case TemplateStatusPaused:
		sentinel = ErrTemplatePaused
	case TemplateStatusDisabled:
		sentinel = ErrTemplateDisabled
	case TemplateStatusPending, TemplateStatusRejected, TemplateStatusInAppeal, TemplateStatusPendingDeletion,
		TemplateStatusDeleted, TemplateStatusArchived, TemplateStatusLimitExceeded:
		sentinel = ErrTemplateNotFound
	default:
		return nil
	}
	return fmt.Errorf("whatsapp: template %q in %s is %s: %w", t.Name, t.Language, t.Status, sentinel)
}

// learn records what a send's API error says about its template: 132015
// paused, 132016 disabled.
func (r *TemplateRegistry) learn(waba, name, lang string, err error) {
	var ae *APIError
	if waba == "" || !errors.As(err, &ae) {
		return
	}
	var st TemplateStatus
	switch {
	case errors.Is(ae, ErrTemplatePaused):
		st = TemplateStatusPaused
	case errors.Is(ae, ErrTemplateDisabled):
		st = TemplateStatusDisabled
	default:
		return
	}
	r.update(registryKey{waba, name, lang}, "", func(t *MessageTemplate, _ *registryEntry) { t.Status = st })
}

// update applies fn to a copy of the entry of k (or of the entry whose id
// is id, when id is set and k's name is empty), creating a bare entry when
// none exists and k names one, and stores the result.
func (r *TemplateRegistry) update(k registryKey, id string, fn func(*MessageTemplate, *registryEntry)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.init()
	old := r.entries[k]
	if id != "" && (old == nil || old.t.ID != id && old.t.ID != "") {
		// The name and language may be stale (or absent); the id is not.
		for kk, e := range r.entries {
			if kk.waba == k.waba && e.t.ID == id {
				k, old = kk, e
				break
			}
		}
	}
	if old == nil && (k.name == "" || k.lang == "") {
		return
	}
	var t MessageTemplate
	next := &registryEntry{}
	if old != nil {
		t = old.t
		next.shape, next.beforeArch = old.shape, old.beforeArch
	} else {
		t = MessageTemplate{ID: id, Name: k.name, Language: k.lang}
	}
	fn(&t, next)
	if t.ID == "" {
		t.ID = id
	}
	next.t = t
	if t.Status == TemplateStatusDeleted {
		r.remove(k)
		return
	}
	r.store(k, next)
}

// templateStatusEvent is a change of a template's status, as the
// message_template_status_update webhook reports it.
type templateStatusEvent struct {
	WABAID, TemplateID, Name, Language string
	Event                              TemplateStatus
	Category                           TemplateCategory
	Reason                             RejectedReason
}

// applyStatus records a status event. Events that are not statuses
// (FLAGGED, LOCKED, UNLOCKED) leave the status as it is; REINSTATED makes
// the template APPROVED again; UNARCHIVED restores the status it had
// before archival.
func (r *TemplateRegistry) applyStatus(ev templateStatusEvent) {
	k := registryKey{ev.WABAID, ev.Name, NormalizeLanguage(ev.Language)}
	r.update(k, ev.TemplateID, func(t *MessageTemplate, e *registryEntry) {
		if ev.Category != "" {
			t.Category = ev.Category
		}
		switch ev.Event {
		case TemplateStatusFlagged, TemplateStatusLocked, TemplateStatusUnlocked:
			if t.Status == "" {
				t.Status = TemplateStatusApproved // flagged and locked templates are approved ones
			}
		case TemplateStatusReinstated:
			t.Status = TemplateStatusApproved
		case TemplateStatusUnarchived:
			t.Status = e.beforeArch
			if t.Status == "" {
				t.Status = TemplateStatusApproved
			}
		case TemplateStatusArchived:
			e.beforeArch = t.Status
			t.Status = ev.Event
		case TemplateStatusRejected:
			t.Status = ev.Event
			t.RejectedReason = ev.Reason
		default:
			t.Status = ev.Event
		}
	})
}

// applyQuality records a quality event.
func (r *TemplateRegistry) applyQuality(waba, id, name, lang string, score TemplateQualityRating) {
	r.update(registryKey{waba, name, NormalizeLanguage(lang)}, id, func(t *MessageTemplate, _ *registryEntry) {
		t.QualityScore = TemplateQuality{Score: score}
	})
}

// applyCategory records a category event. An impending change (correct
// set) does not change the category yet.
func (r *TemplateRegistry) applyCategory(waba, id, name, lang string, previous, current, correct TemplateCategory) {
	if correct != "" && previous == "" {
		return
	}
	r.update(registryKey{waba, name, NormalizeLanguage(lang)}, id, func(t *MessageTemplate, _ *registryEntry) {
		if previous != "" {
			t.PreviousCategory = previous
		}
		if current != "" {
			t.Category = current
		}
	})
}

// componentsEvent is the new content of an edited template, as the
// message_template_components_update webhook reports it.
type componentsEvent struct {
	WABAID, TemplateID, Name, Language string
	Header, Body, Footer               string
	Buttons                            []MessageTemplateButton
}

// applyComponents records an edit: the body, text header, footer and
// buttons the event reports replace the known ones, and the send checks
// follow the new text. The event reports only URL and phone number
// buttons and no media header, so what it cannot tell (button positions,
// a header of a template never synced) is no longer checked on sends.
func (r *TemplateRegistry) applyComponents(ev componentsEvent) {
	k := registryKey{ev.WABAID, ev.Name, NormalizeLanguage(ev.Language)}
	r.update(k, ev.TemplateID, func(t *MessageTemplate, e *registryEntry) {
		known := len(t.Components) > 0
		looseButtons := !known && len(ev.Buttons) > 0
		comps := make([]MessageTemplateComponent, 0, len(t.Components)+3)
		var header, body, footer, buttons bool
		for _, c := range t.Components {
			switch {
			case c.Type.is(HeaderComponent):
				header = true
				if c.Format == "" || c.Format.is(HeaderFormatText) {
					if ev.Header == "" {
						continue // the text header was removed
					}
					c.Text, c.Example = ev.Header, TemplateExample{}
				}
			case c.Type.is(BodyComponent):
				body = true
				c.Text, c.Example = ev.Body, TemplateExample{}
			case c.Type.is(FooterComponent):
				footer = true
				if ev.Footer == "" {
					continue
				}
				c.Text = ev.Footer
			case c.Type.is(ButtonsComponent):
				buttons = true
				var ok bool
				if c.Buttons, ok = mergeEventButtons(c.Buttons, ev.Buttons); !ok {
					looseButtons = true
				}
			}
			comps = append(comps, c)
		}
		if !header && ev.Header != "" {
			comps = append([]MessageTemplateComponent{{Type: HeaderComponent, Format: HeaderFormatText, Text: ev.Header}}, comps...)
		}
		if !body && ev.Body != "" {
			comps = append(comps, MessageTemplateComponent{Type: BodyComponent, Text: ev.Body})
		}
		if !footer && ev.Footer != "" {
			comps = append(comps, MessageTemplateComponent{Type: FooterComponent, Text: ev.Footer})
		}
		if !buttons && len(ev.Buttons) > 0 {
			comps = append(comps, MessageTemplateComponent{Type: ButtonsComponent, Buttons: ev.Buttons})
			looseButtons = true // quick replies and other buttons are not reported
		}
		t.Components = comps
		e.shape = nil
		if s, err := compileShape(t); err == nil {
			s.looseHeader = !known && ev.Header == ""
			s.looseButtons = looseButtons
			e.shape = s
		}
	})
}

// mergeEventButtons updates the URL and phone number buttons of known, in
// order, from the ones an edit event reports. It reports false when the
// two do not line up (another number or kind of such buttons), and then
// returns the event's buttons after the others.
func mergeEventButtons(known, event []MessageTemplateButton) ([]MessageTemplateButton, bool) {
	out := make([]MessageTemplateButton, len(known))
	copy(out, known)
	n := 0
	for i := range out {
		b := &out[i]
		if !b.Type.is(ButtonTypeURL) && !b.Type.is(ButtonTypePhoneNumber) {
			continue
		}
		if n >= len(event) || !b.Type.is(event[n].Type) {
			return mergeFallback(known, event), false
		}
		e := event[n]
		n++
		if b.URL != e.URL {
			b.Example = nil
		}
		b.Text, b.URL, b.PhoneNumber = e.Text, e.URL, e.PhoneNumber
	}
	if n != len(event) {
		return mergeFallback(known, event), false
	}
	return out, true
}

func mergeFallback(known, event []MessageTemplateButton) []MessageTemplateButton {
	out := make([]MessageTemplateButton, 0, len(known)+len(event))
	for _, b := range known {
		if !b.Type.is(ButtonTypeURL) && !b.Type.is(ButtonTypePhoneNumber) {
			out = append(out, b)
		}
	}
	return append(out, event...)
}

// clone returns a deep copy of t, so a caller cannot change what the
// registry holds.
func (t MessageTemplate) clone() MessageTemplate {
	t.Components = cloneComponents(t.Components)
	t.QualityScore.Reasons = append([]string(nil), t.QualityScore.Reasons...)
	t.Extra = cloneRaw(t.Extra)
	return t
}

func cloneComponents(cs []MessageTemplateComponent) []MessageTemplateComponent {
	if cs == nil {
		return nil
	}
	out := make([]MessageTemplateComponent, len(cs))
	for i, c := range cs {
		c.Example = TemplateExample{
			HeaderText:            append([]string(nil), c.Example.HeaderText...),
			HeaderHandle:          append([]string(nil), c.Example.HeaderHandle...),
			HeaderTextNamedParams: append([]NamedExample(nil), c.Example.HeaderTextNamedParams...),
			BodyTextNamedParams:   append([]NamedExample(nil), c.Example.BodyTextNamedParams...),
			Extra:                 cloneRaw(c.Example.Extra),
		}
		for _, row := range cs[i].Example.BodyText {
			c.Example.BodyText = append(c.Example.BodyText, append([]string(nil), row...))
		}
		if c.Buttons != nil {
			c.Buttons = make([]MessageTemplateButton, len(cs[i].Buttons))
			for j, b := range cs[i].Buttons {
				b.Example = append([]string(nil), b.Example...)
				b.SupportedApps = append([]OTPSupportedApp(nil), b.SupportedApps...)
				b.Extra = cloneRaw(b.Extra)
				c.Buttons[j] = b
			}
		}
		if c.Cards != nil {
			c.Cards = make([]MessageTemplateCard, len(cs[i].Cards))
			for k, card := range cs[i].Cards {
				c.Cards[k] = MessageTemplateCard{Components: cloneComponents(card.Components)}
			}
		}
		if c.LimitedTimeOffer != nil {
			o := *c.LimitedTimeOffer
			c.LimitedTimeOffer = &o
		}
		c.Extra = cloneRaw(c.Extra)
		out[i] = c
	}
	return out
}

func cloneRaw(m map[string]json.RawMessage) map[string]json.RawMessage {
	if m == nil {
		return nil
	}
	out := make(map[string]json.RawMessage, len(m))
	for k, v := range m {
		out[k] = append(json.RawMessage(nil), v...)
	}
	return out
}

// ApplyNotification records the template events of a webhook
// notification: status updates (approved, rejected, paused, disabled,
// reinstated, archived, deleted, ...), quality updates, category updates
// and component updates, each for the account of its entry. Other changes
// are ignored. It returns how many template events it applied. Wire it to
// the webhook handler:
//
//	whatsapp.NewWebhookHandler(whatsapp.WebhookConfig{
//		// ...
//		OnNotification: func(_ context.Context, n *whatsapp.Notification) error {
//			reg.ApplyNotification(n)
//			return nil
//		},
//	})
func (r *TemplateRegistry) ApplyNotification(n *Notification) int {
	if n == nil {
		return 0
	}
	applied := 0
	for i := range n.Entries {
		for j := range n.Entries[i].Changes {
			if r.ApplyChange(&n.Entries[i].Changes[j]) {
				applied++
			}
		}
	}
	return applied
}

// ApplyChange records one webhook change if it is a template event (see
// ApplyNotification), and reports whether it was one. The change's WABAID
// says which account the template belongs to.
func (r *TemplateRegistry) ApplyChange(c *Change) bool {
	if c == nil {
		return false
	}
	waba := c.WABAID
	switch {
	case c.TemplateStatus != nil:
		u := c.TemplateStatus
		if u.WABAID != "" {
			waba = u.WABAID
		}
		r.applyStatus(templateStatusEvent{WABAID: waba, TemplateID: u.TemplateID, Name: u.TemplateName,
			Language: u.TemplateLanguage, Event: TemplateStatus(u.Event), Category: TemplateCategory(u.TemplateCategory),
			Reason: RejectedReason(u.Reason)})
	case c.TemplateQuality != nil:
		u := c.TemplateQuality
		if u.WABAID != "" {
			waba = u.WABAID
		}
		r.applyQuality(waba, u.TemplateID, u.TemplateName, u.TemplateLanguage, TemplateQualityRating(u.NewQualityScore))
	case c.TemplateCategory != nil:
		u := c.TemplateCategory
		if u.WABAID != "" {
			waba = u.WABAID
		}
		r.applyCategory(waba, u.TemplateID, u.TemplateName, u.TemplateLanguage,
			TemplateCategory(u.PreviousCategory), TemplateCategory(u.NewCategory), TemplateCategory(u.CorrectCategory))
	case c.TemplateComponents != nil:
		u := c.TemplateComponents
		if u.WABAID != "" {
			waba = u.WABAID
		}
		ev := componentsEvent{WABAID: waba, TemplateID: u.TemplateID, Name: u.TemplateName, Language: u.TemplateLanguage,
			Header: u.Header, Body: u.Body, Footer: u.Footer}
		for _, b := range u.Buttons {
			ev.Buttons = append(ev.Buttons, MessageTemplateButton{Type: ButtonType(b.Type), Text: b.Text, URL: b.URL, PhoneNumber: b.PhoneNumber})
		}
		r.applyComponents(ev)
	default:
		return false
	}
	return true
}

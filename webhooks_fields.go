package whatsapp

import (
	"encoding/json"
	"time"
)

// This file models the management fields of a webhook (every change field
// other than "messages"). Each value carries WABAID and Time from its entry,
// so a callback that receives it alone knows which account it is about.

// TemplateStatusUpdate is the value of a "message_template_status_update"
// change: a template was approved, rejected, paused, disabled, flagged,
// reinstated, archived, locked, ...
type TemplateStatusUpdate struct {
	// Event is the new status, e.g. "APPROVED", "REJECTED", "PAUSED",
	// "DISABLED", "FLAGGED", "REINSTATED", "PENDING_DELETION", "ARCHIVED",
	// "UNARCHIVED", "LOCKED", "UNLOCKED".
	Event string
	// TemplateID is the template's id (a JSON number on the wire).
	TemplateID string
	// TemplateName is the template's name.
	TemplateName string
	// TemplateLanguage is the language code, sometimes with a hyphen
	// ("en-US") where the API uses an underscore.
	TemplateLanguage string
	// Reason is the rejection reason ("NONE" when not rejected; empty when
	// the template is scheduled for deletion).
	Reason string
	// TemplateCategory is message_template_category, when present.
	TemplateCategory string
	// DisableInfo is set when the template was disabled.
	DisableInfo *TemplateDisableInfo
	// OtherInfo is set for pauses, unpauses, locks and unlocks: its Title
	// is "FIRST_PAUSE", "SECOND_PAUSE", "RATE_LIMITING_PAUSE", "UNPAUSE" or
	// "DISABLED".
	OtherInfo *TemplateOtherInfo
	// RejectionInfo explains an INVALID_FORMAT rejection.
	RejectionInfo *TemplateRejectionInfo
	// Extra holds members this type does not model, as received.
	Extra map[string]json.RawMessage

	// WABAID is the WhatsApp Business Account id of the entry.
	WABAID string `json:"-"`
	// Time is the entry's time: when the webhook was triggered.
	Time time.Time `json:"-"`
}

// TemplateDisableInfo says when a template was disabled.
type TemplateDisableInfo struct {
	DisableDate time.Time
	// Extra holds members this type does not model, as received.
	Extra map[string]json.RawMessage
}

// TemplateOtherInfo describes a template pause, unpause, lock or unlock.
type TemplateOtherInfo struct {
	Title       string
	Description string
	// Extra holds members this type does not model, as received.
	Extra map[string]json.RawMessage
}

// TemplateRejectionInfo explains a rejection and how to fix it.
type TemplateRejectionInfo struct {
	Reason         string
	Recommendation string
	// Extra holds members this type does not model, as received.
	Extra map[string]json.RawMessage
}

// TemplateQualityUpdate is the value of a "message_template_quality_update"
// change. Scores are "GREEN", "YELLOW", "RED" or "UNKNOWN".
type TemplateQualityUpdate struct {
	PreviousQualityScore string
	NewQualityScore      string
	TemplateID           string
	TemplateName         string
	TemplateLanguage     string
	// Extra holds members this type does not model, as received.
	Extra map[string]json.RawMessage

	// WABAID is the WhatsApp Business Account id of the entry.
	WABAID string `json:"-"`
	// Time is the entry's time.
	Time time.Time `json:"-"`
}

// TemplateComponentsUpdate is the value of a
// "message_template_components_update" change: a template was edited.
type TemplateComponentsUpdate struct {
	TemplateID       string
	TemplateName     string
	TemplateLanguage string
	// Body is message_template_element, the body text.
	Body string
	// Header is message_template_title, the text header, when there is one.
	Header string
	// Footer is message_template_footer, when there is one.
	Footer string
	// Buttons are the URL and phone number buttons.
	Buttons []TemplateComponentsButton
	// Extra holds members this type does not model, as received.
	Extra map[string]json.RawMessage

	// WABAID is the WhatsApp Business Account id of the entry.
	WABAID string `json:"-"`
	// Time is the entry's time.
	Time time.Time `json:"-"`
}

// TemplateComponentsButton is a button of an edited template.
type TemplateComponentsButton struct {
	Type        string // e.g. "URL", "PHONE_NUMBER", "QUICK_REPLY"
	Text        string
	URL         string
	PhoneNumber string
	// Extra holds members this type does not model, as received.
	Extra map[string]json.RawMessage
}

// TemplateCategoryUpdate is the value of a "template_category_update"
// change. An impending change has CorrectCategory and CategoryUpdateTime
// (NewCategory is then the current category); a completed one has
// PreviousCategory and NewCategory.
type TemplateCategoryUpdate struct {
	TemplateID         string
	TemplateName       string
	TemplateLanguage   string
	PreviousCategory   string
	NewCategory        string
	CorrectCategory    string
	CategoryUpdateTime time.Time
	// Extra holds members this type does not model, as received.
	Extra map[string]json.RawMessage

	// WABAID is the WhatsApp Business Account id of the entry.
	WABAID string `json:"-"`
	// Time is the entry's time.
	Time time.Time `json:"-"`
}

// PhoneNumberQualityUpdate is the value of a "phone_number_quality_update"
// change. Event is "ONBOARDING" or "THROUGHPUT_UPGRADE" (legacy: "FLAGGED",
// "UNFLAGGED", "UPGRADE", "DOWNGRADE"); limits are "TIER_250", "TIER_2K",
// ..., "TIER_UNLIMITED".
type PhoneNumberQualityUpdate struct {
	DisplayPhoneNumber string
	Event              string
	// CurrentLimit and OldLimit are legacy (removed February 2026).
	CurrentLimit string
	OldLimit     string
	// MaxDailyConversationsPerBusiness is the portfolio's messaging limit.
	MaxDailyConversationsPerBusiness string
	// Extra holds members this type does not model, as received.
	Extra map[string]json.RawMessage

	// WABAID is the WhatsApp Business Account id of the entry.
	WABAID string `json:"-"`
	// Time is the entry's time.
	Time time.Time `json:"-"`
}

// PhoneNumberNameUpdate is the value of a "phone_number_name_update" change:
// the review of a display name. Decision is "APPROVED", "DEFERRED",
// "PENDING" or "REJECTED".
type PhoneNumberNameUpdate struct {
	DisplayPhoneNumber    string
	Decision              string
	RequestedVerifiedName string
	// RejectionReason is empty when the name was accepted.
	RejectionReason string
	// Extra holds members this type does not model, as received.
	Extra map[string]json.RawMessage

	// WABAID is the WhatsApp Business Account id of the entry.
	WABAID string `json:"-"`
	// Time is the entry's time.
	Time time.Time `json:"-"`
}

// BusinessCapabilityUpdate is the value of a "business_capability_update"
// change: the account's or portfolio's limits changed.
type BusinessCapabilityUpdate struct {
	// MaxDailyConversationsPerBusiness is the messaging limit: a TIER_*
	// string, or a number kept as its text when sent as one.
	MaxDailyConversationsPerBusiness string
	// MaxDailyConversationPerPhone is the legacy per-number limit (-1 means
	// unlimited; removed February 2026).
	MaxDailyConversationPerPhone int
	MaxPhoneNumbersPerBusiness   int
	MaxPhoneNumbersPerWABA       int
	// Extra holds members this type does not model, as received.
	Extra map[string]json.RawMessage

	// WABAID is the WhatsApp Business Account id of the entry.
	WABAID string `json:"-"`
	// Time is the entry's time.
	Time time.Time `json:"-"`
}

// AccountUpdate is the value of an "account_update" change. Event is, e.g.,
// "ACCOUNT_DELETED", "ACCOUNT_VIOLATION", "DISABLED_UPDATE",
// "AD_ACCOUNT_LINKED", "AUTH_INTL_PRICE_ELIGIBILITY_UPDATE",
// "BUSINESS_PRIMARY_LOCATION_COUNTRY_UPDATE", "MM_LITE_TERMS_SIGNED",
// "PARTNER_ADDED", "PARTNER_REMOVED", "PARTNER_APP_INSTALLED",
// "PARTNER_APP_UNINSTALLED", "PARTNER_CLIENT_CERTIFICATION_STATUS_UPDATE",
// "VOLUME_BASED_PRICING_TIER_UPDATE"; the member matching the event is set.
type AccountUpdate struct {
	Event string
	// Country is the primary business location (ISO 3166-1 alpha-2).
	Country                          string
	WABAInfo                         *AccountWABAInfo
	ViolationInfo                    *ViolationInfo
	AuthInternationalRateEligibility *AuthInternationalRateEligibility
	BanInfo                          *BanInfo
	PartnerClientCertificationInfo   *PartnerClientCertificationInfo
	VolumeTierInfo                   *VolumeTierInfo
	// Extra holds members this type does not model, as received.
	Extra map[string]json.RawMessage

	// WABAID is the WhatsApp Business Account id of the entry.
	WABAID string `json:"-"`
	// Time is the entry's time.
	Time time.Time `json:"-"`
}

// AccountWABAInfo names the account, its owner and partners in an
// AccountUpdate.
type AccountWABAInfo struct {
	WABAID                     string
	OwnerBusinessID            string
	AdAccountLinked            string
	PartnerAppID               string
	SolutionID                 string
	SolutionPartnerBusinessIDs []string
	// Extra holds members this type does not model, as received.
	Extra map[string]json.RawMessage
}

// ViolationInfo names a policy violation.
type ViolationInfo struct {
	ViolationType string
	// Extra holds members this type does not model, as received.
	Extra map[string]json.RawMessage
}

// AuthInternationalRateEligibility says from when authentication-
// international rates apply.
type AuthInternationalRateEligibility struct {
	StartTime          time.Time
	ExceptionCountries []AuthInternationalException
	// Extra holds members this type does not model, as received.
	Extra map[string]json.RawMessage
}

// AuthInternationalException is a country with its own start time.
type AuthInternationalException struct {
	CountryCode string
	StartTime   time.Time
	// Extra holds members this type does not model, as received.
	Extra map[string]json.RawMessage
}

// BanInfo describes an account's ban state ("DISABLE", "REINSTATE",
// "SCHEDULE_FOR_DISABLE"); WABABanDate is free text such as "April 17,
// 2025".
type BanInfo struct {
	WABABanState string
	WABABanDate  string
	// Extra holds members this type does not model, as received.
	Extra map[string]json.RawMessage
}

// PartnerClientCertificationInfo is the outcome of a partner-led business
// verification.
type PartnerClientCertificationInfo struct {
	ClientBusinessID string
	Status           string
	RejectionReasons []string
	// Extra holds members this type does not model, as received.
	Extra map[string]json.RawMessage
}

// VolumeTierInfo is a volume pricing tier change. Duplicates happen: keep
// the one with the smallest TierUpdateTime.
type VolumeTierInfo struct {
	TierUpdateTime  time.Time
	PricingCategory string
	Tier            string // e.g. "25000001:50000000"
	EffectiveMonth  string // e.g. "2025-11"
	Region          string
	// Extra holds members this type does not model, as received.
	Extra map[string]json.RawMessage
}

// AccountAlert is the value of an "account_alerts" change: a messaging
// limit increase was denied or deferred, an Official Business Account
// decision, a profile photo removed, ...
type AccountAlert struct {
	EntityType string
	EntityID   string
	AlertInfo  *AlertInfo
	// Extra holds members this type does not model, as received.
	Extra map[string]json.RawMessage

	// WABAID is the WhatsApp Business Account id of the entry.
	WABAID string `json:"-"`
	// Time is the entry's time.
	Time time.Time `json:"-"`
}

// AlertInfo describes an AccountAlert.
type AlertInfo struct {
	Severity    string // alert_severity
	Status      string // alert_status
	Type        string // alert_type, e.g. "INCREASED_CAPABILITIES_ELIGIBILITY_DEFERRED"
	Description string // alert_description
	// Extra holds members this type does not model, as received.
	Extra map[string]json.RawMessage
}

// AccountReviewUpdate is the value of an "account_review_update" change.
// Decision is "APPROVED", "REJECTED", "PENDING" or "DEFERRED".
type AccountReviewUpdate struct {
	Decision string
	// Extra holds members this type does not model, as received.
	Extra map[string]json.RawMessage

	// WABAID is the WhatsApp Business Account id of the entry.
	WABAID string `json:"-"`
	// Time is the entry's time.
	Time time.Time `json:"-"`
}

// UserPreferencesValue is the value of a "user_preferences" change.
type UserPreferencesValue struct {
	MessagingProduct string
	Metadata         Metadata
	Contacts         []WebhookContact
	Preferences      []UserPreference
	// Extra holds members this type does not model, as received.
	Extra map[string]json.RawMessage
}

// UserPreference is a user's marketing preference change: Category
// "marketing_messages", Value "stop" or "resume".
type UserPreference struct {
	WaID string
	// UserID is the user's business-scoped user id, when present.
	UserID    string
	Detail    string
	Category  string
	Value     string
	Timestamp time.Time
	// Extra holds members this type does not model, as received.
	Extra map[string]json.RawMessage

	// WABAID is the WhatsApp Business Account id of the entry.
	WABAID string `json:"-"`
	// PhoneNumberID is the business phone number (from the metadata).
	PhoneNumberID string `json:"-"`
	// DisplayPhoneNumber is that number as displayed.
	DisplayPhoneNumber string `json:"-"`
}

// SecurityUpdate is the value of a "security" change. Event is
// "PIN_CHANGED", "PIN_RESET_REQUEST" or "PIN_REQUEST_SUCCESS"; Requester is
// the Meta Business Suite user, for reset requests.
type SecurityUpdate struct {
	DisplayPhoneNumber string
	Event              string
	Requester          string
	// Extra holds members this type does not model, as received.
	Extra map[string]json.RawMessage

	// WABAID is the WhatsApp Business Account id of the entry.
	WABAID string `json:"-"`
	// Time is the entry's time.
	Time time.Time `json:"-"`
}

// --- decoding ---

func (t *TemplateStatusUpdate) decode(r *jsonReader) {
	r.object(func(k []byte) {
		var ok bool
		switch string(k) {
		case "event":
			ok = r.str(&t.Event)
		case "message_template_id":
			ok = r.str(&t.TemplateID)
		case "message_template_name":
			ok = r.str(&t.TemplateName)
		case "message_template_language":
			ok = r.str(&t.TemplateLanguage)
		case "reason":
			ok = r.str(&t.Reason)
		case "message_template_category":
			ok = r.str(&t.TemplateCategory)
		case "disable_info":
			ok = decodePtr(r, &t.DisableInfo)
		case "other_info":
			ok = decodePtr(r, &t.OtherInfo)
		case "rejection_info":
			ok = decodePtr(r, &t.RejectionInfo)
		}
		r.field(&t.Extra, k, ok)
	})
}

func (d *TemplateDisableInfo) decode(r *jsonReader) {
	r.object(func(k []byte) {
		var ok bool
		if string(k) == "disable_date" {
			ok = r.unixTime(&d.DisableDate)
		}
		r.field(&d.Extra, k, ok)
	})
}

func (o *TemplateOtherInfo) decode(r *jsonReader) {
	r.object(func(k []byte) {
		var ok bool
		switch string(k) {
		case "title":
			ok = r.str(&o.Title)
		case "description":
			ok = r.str(&o.Description)
		}
		r.field(&o.Extra, k, ok)
	})
}

func (x *TemplateRejectionInfo) decode(r *jsonReader) {
	r.object(func(k []byte) {
		var ok bool
		switch string(k) {
		case "reason":
			ok = r.str(&x.Reason)
		case "recommendation":
			ok = r.str(&x.Recommendation)
		}
		r.field(&x.Extra, k, ok)
	})
}

func (t *TemplateQualityUpdate) decode(r *jsonReader) {
	r.object(func(k []byte) {
		var ok bool
		switch string(k) {
		case "previous_quality_score":
			ok = r.str(&t.PreviousQualityScore)
		case "new_quality_score":
			ok = r.str(&t.NewQualityScore)
		case "message_template_id":
			ok = r.str(&t.TemplateID)
		case "message_template_name":
			ok = r.str(&t.TemplateName)
		case "message_template_language":
			ok = r.str(&t.TemplateLanguage)
		}
		r.field(&t.Extra, k, ok)
	})
}

func (t *TemplateComponentsUpdate) decode(r *jsonReader) {
	r.object(func(k []byte) {
		var ok bool
		switch string(k) {
		case "message_template_id":
			ok = r.str(&t.TemplateID)
		case "message_template_name":
			ok = r.str(&t.TemplateName)
		case "message_template_language":
			ok = r.str(&t.TemplateLanguage)
		case "message_template_element":
			ok = r.str(&t.Body)
		case "message_template_title":
			ok = r.str(&t.Header)
		case "message_template_footer":
			ok = r.str(&t.Footer)
		case "message_template_buttons":
			ok = decodeList(r, &t.Buttons, &t.Extra, k)
		}
		r.field(&t.Extra, k, ok)
	})
}

func (b *TemplateComponentsButton) decode(r *jsonReader) {
	r.object(func(k []byte) {
		var ok bool
		switch string(k) {
		case "message_template_button_type":
			ok = r.str(&b.Type)
		case "message_template_button_text":
			ok = r.str(&b.Text)
		case "message_template_button_url":
			ok = r.str(&b.URL)
		case "message_template_button_phone_number":
			ok = r.str(&b.PhoneNumber)
		}
		r.field(&b.Extra, k, ok)
	})
}

func (t *TemplateCategoryUpdate) decode(r *jsonReader) {
	r.object(func(k []byte) {
		var ok bool
		switch string(k) {
		case "message_template_id":
			ok = r.str(&t.TemplateID)
		case "message_template_name":
			ok = r.str(&t.TemplateName)
		case "message_template_language":
			ok = r.str(&t.TemplateLanguage)
		case "previous_category":
			ok = r.str(&t.PreviousCategory)
		case "new_category":
			ok = r.str(&t.NewCategory)
		case "correct_category":
			ok = r.str(&t.CorrectCategory)
		case "category_update_timestamp":
			ok = r.unixTime(&t.CategoryUpdateTime)
		}
		r.field(&t.Extra, k, ok)
	})
}

func (p *PhoneNumberQualityUpdate) decode(r *jsonReader) {
	r.object(func(k []byte) {
		var ok bool
		switch string(k) {
		case "display_phone_number":
			ok = r.str(&p.DisplayPhoneNumber)
		case "event":
			ok = r.str(&p.Event)
		case "current_limit":
			ok = r.str(&p.CurrentLimit)
		case "old_limit":
			ok = r.str(&p.OldLimit)
		case "max_daily_conversations_per_business":
			ok = r.str(&p.MaxDailyConversationsPerBusiness)
		}
		r.field(&p.Extra, k, ok)
	})
}

func (p *PhoneNumberNameUpdate) decode(r *jsonReader) {
	r.object(func(k []byte) {
		var ok bool
		switch string(k) {
		case "display_phone_number":
			ok = r.str(&p.DisplayPhoneNumber)
		case "decision":
			ok = r.str(&p.Decision)
		case "requested_verified_name":
			ok = r.str(&p.RequestedVerifiedName)
		case "rejection_reason":
			ok = r.str(&p.RejectionReason)
		}
		r.field(&p.Extra, k, ok)
	})
}

func (b *BusinessCapabilityUpdate) decode(r *jsonReader) {
	r.object(func(k []byte) {
		var ok bool
		switch string(k) {
		case "max_daily_conversations_per_business":
			ok = r.str(&b.MaxDailyConversationsPerBusiness)
		case "max_daily_conversation_per_phone":
			ok = r.intField(&b.MaxDailyConversationPerPhone)
		case "max_phone_numbers_per_business":
			ok = r.intField(&b.MaxPhoneNumbersPerBusiness)
		case "max_phone_numbers_per_waba":
			ok = r.intField(&b.MaxPhoneNumbersPerWABA)
		}
		r.field(&b.Extra, k, ok)
	})
}

func (a *AccountUpdate) decode(r *jsonReader) {
	r.object(func(k []byte) {
		var ok bool
		switch string(k) {
		case "event":
			ok = r.str(&a.Event)
		case "country":
			ok = r.str(&a.Country)
		case "waba_info":
			ok = decodePtr(r, &a.WABAInfo)
		case "violation_info":
			ok = decodePtr(r, &a.ViolationInfo)
		case "auth_international_rate_eligibility":
			ok = decodePtr(r, &a.AuthInternationalRateEligibility)
		case "ban_info":
			ok = decodePtr(r, &a.BanInfo)
		case "partner_client_certification_info":
			ok = decodePtr(r, &a.PartnerClientCertificationInfo)
		case "volume_tier_info":
			ok = decodePtr(r, &a.VolumeTierInfo)
		}
		r.field(&a.Extra, k, ok)
	})
}

func (i *AccountWABAInfo) decode(r *jsonReader) {
	r.object(func(k []byte) {
		var ok bool
		switch string(k) {
		case "waba_id":
			ok = r.str(&i.WABAID)
		case "owner_business_id":
			ok = r.str(&i.OwnerBusinessID)
		case "ad_account_linked":
			ok = r.str(&i.AdAccountLinked)
		case "partner_app_id":
			ok = r.str(&i.PartnerAppID)
		case "solution_id":
			ok = r.str(&i.SolutionID)
		case "solution_partner_business_ids":
			ok = r.strings(&i.SolutionPartnerBusinessIDs)
		}
		r.field(&i.Extra, k, ok)
	})
}

func (v *ViolationInfo) decode(r *jsonReader) {
	r.object(func(k []byte) {
		var ok bool
		if string(k) == "violation_type" {
			ok = r.str(&v.ViolationType)
		}
		r.field(&v.Extra, k, ok)
	})
}

func (a *AuthInternationalRateEligibility) decode(r *jsonReader) {
	r.object(func(k []byte) {
		var ok bool
		switch string(k) {
		case "start_time":
			ok = r.unixTime(&a.StartTime)
		case "exception_countries":
			ok = decodeList(r, &a.ExceptionCountries, &a.Extra, k)
		}
		r.field(&a.Extra, k, ok)
	})
}

func (e *AuthInternationalException) decode(r *jsonReader) {
	r.object(func(k []byte) {
		var ok bool
		switch string(k) {
		case "country_code":
			ok = r.str(&e.CountryCode)
		case "start_time":
			ok = r.unixTime(&e.StartTime)
		}
		r.field(&e.Extra, k, ok)
	})
}

func (b *BanInfo) decode(r *jsonReader) {
	r.object(func(k []byte) {
		var ok bool
		switch string(k) {
		case "waba_ban_state":
			ok = r.str(&b.WABABanState)
		case "waba_ban_date":
			ok = r.str(&b.WABABanDate)
		}
		r.field(&b.Extra, k, ok)
	})
}

func (p *PartnerClientCertificationInfo) decode(r *jsonReader) {
	r.object(func(k []byte) {
		var ok bool
		switch string(k) {
		case "client_business_id":
			ok = r.str(&p.ClientBusinessID)
		case "status":
			ok = r.str(&p.Status)
		case "rejection_reasons":
			ok = r.strings(&p.RejectionReasons)
		}
		r.field(&p.Extra, k, ok)
	})
}

func (v *VolumeTierInfo) decode(r *jsonReader) {
	r.object(func(k []byte) {
		var ok bool
		switch string(k) {
		case "tier_update_time":
			ok = r.unixTime(&v.TierUpdateTime)
		case "pricing_category":
			ok = r.str(&v.PricingCategory)
		case "tier":
			ok = r.str(&v.Tier)
		case "effective_month":
			ok = r.str(&v.EffectiveMonth)
		case "region":
			ok = r.str(&v.Region)
		}
		r.field(&v.Extra, k, ok)
	})
}

func (a *AccountAlert) decode(r *jsonReader) {
	r.object(func(k []byte) {
		var ok bool
		switch string(k) {
		case "entity_type":
			ok = r.str(&a.EntityType)
		case "entity_id":
			ok = r.str(&a.EntityID)
		case "alert_info":
			ok = decodePtr(r, &a.AlertInfo)
		}
		r.field(&a.Extra, k, ok)
	})
}

func (a *AlertInfo) decode(r *jsonReader) {
	r.object(func(k []byte) {
		var ok bool
		switch string(k) {
		case "alert_severity":
			ok = r.str(&a.Severity)
		case "alert_status":
			ok = r.str(&a.Status)
		case "alert_type":
			ok = r.str(&a.Type)
		case "alert_description":
			ok = r.str(&a.Description)
		}
		r.field(&a.Extra, k, ok)
	})
}

func (a *AccountReviewUpdate) decode(r *jsonReader) {
	r.object(func(k []byte) {
		var ok bool
		if string(k) == "decision" {
			ok = r.str(&a.Decision)
		}
		r.field(&a.Extra, k, ok)
	})
}

func (u *UserPreferencesValue) decode(r *jsonReader) {
	r.object(func(k []byte) {
		var ok bool
		switch string(k) {
		case "messaging_product":
			ok = r.str(&u.MessagingProduct)
		case "metadata":
			ok = decodeValue(r, &u.Metadata)
		case "contacts":
			ok = decodeList(r, &u.Contacts, &u.Extra, k)
		case "user_preferences":
			ok = decodeList(r, &u.Preferences, &u.Extra, k)
		}
		r.field(&u.Extra, k, ok)
	})
}

func (p *UserPreference) decode(r *jsonReader) {
	r.object(func(k []byte) {
		var ok bool
		switch string(k) {
		case "wa_id":
			ok = r.str(&p.WaID)
		case "user_id":
			ok = r.str(&p.UserID)
		case "detail":
			ok = r.str(&p.Detail)
		case "category":
			ok = r.str(&p.Category)
		case "value":
			ok = r.str(&p.Value)
		case "timestamp":
			ok = r.unixTime(&p.Timestamp)
		}
		r.field(&p.Extra, k, ok)
	})
}

func (s *SecurityUpdate) decode(r *jsonReader) {
	r.object(func(k []byte) {
		var ok bool
		switch string(k) {
		case "display_phone_number":
			ok = r.str(&s.DisplayPhoneNumber)
		case "event":
			ok = r.str(&s.Event)
		case "requester":
			ok = r.str(&s.Requester)
		}
		r.field(&s.Extra, k, ok)
	})
}

// --- encoding ---

func (t *TemplateStatusUpdate) encode(w *jsonWriter) {
	w.open(t.Extra)
	w.str("event", t.Event)
	w.num("message_template_id", t.TemplateID)
	w.str("message_template_name", t.TemplateName)
	w.str("message_template_language", t.TemplateLanguage)
	w.str("reason", t.Reason)
	w.str("message_template_category", t.TemplateCategory)
	if d := t.DisableInfo; d != nil {
		w.obj("disable_info", func() {
			w.open(d.Extra)
			w.unixInt("disable_date", d.DisableDate)
			w.close()
		})
	}
	if o := t.OtherInfo; o != nil {
		w.obj("other_info", func() {
			w.open(o.Extra)
			w.str("title", o.Title)
			w.str("description", o.Description)
			w.close()
		})
	}
	if x := t.RejectionInfo; x != nil {
		w.obj("rejection_info", func() {
			w.open(x.Extra)
			w.str("reason", x.Reason)
			w.str("recommendation", x.Recommendation)
			w.close()
		})
	}
	w.close()
}

func (t *TemplateQualityUpdate) encode(w *jsonWriter) {
	w.open(t.Extra)
	w.str("previous_quality_score", t.PreviousQualityScore)
	w.str("new_quality_score", t.NewQualityScore)
	w.num("message_template_id", t.TemplateID)
	w.str("message_template_name", t.TemplateName)
	w.str("message_template_language", t.TemplateLanguage)
	w.close()
}

func (t *TemplateComponentsUpdate) encode(w *jsonWriter) {
	w.open(t.Extra)
	w.num("message_template_id", t.TemplateID)
	w.str("message_template_name", t.TemplateName)
	w.str("message_template_language", t.TemplateLanguage)
	w.str("message_template_element", t.Body)
	w.str("message_template_title", t.Header)
	w.str("message_template_footer", t.Footer)
	w.list("message_template_buttons", len(t.Buttons), func(i int) {
		b := &t.Buttons[i]
		w.open(b.Extra)
		w.str("message_template_button_type", b.Type)
		w.str("message_template_button_text", b.Text)
		w.str("message_template_button_url", b.URL)
		w.str("message_template_button_phone_number", b.PhoneNumber)
		w.close()
	})
	w.close()
}

func (t *TemplateCategoryUpdate) encode(w *jsonWriter) {
	w.open(t.Extra)
	w.num("message_template_id", t.TemplateID)
	w.str("message_template_name", t.TemplateName)
	w.str("message_template_language", t.TemplateLanguage)
	w.str("previous_category", t.PreviousCategory)
	w.str("new_category", t.NewCategory)
	w.str("correct_category", t.CorrectCategory)
	w.unixInt("category_update_timestamp", t.CategoryUpdateTime)
	w.close()
}

func (p *PhoneNumberQualityUpdate) encode(w *jsonWriter) {
	w.open(p.Extra)
	w.str("display_phone_number", p.DisplayPhoneNumber)
	w.str("event", p.Event)
	w.str("current_limit", p.CurrentLimit)
	w.str("old_limit", p.OldLimit)
	w.str("max_daily_conversations_per_business", p.MaxDailyConversationsPerBusiness)
	w.close()
}

func (p *PhoneNumberNameUpdate) encode(w *jsonWriter) {
	w.open(p.Extra)
	w.str("display_phone_number", p.DisplayPhoneNumber)
	w.str("decision", p.Decision)
	w.str("requested_verified_name", p.RequestedVerifiedName)
	w.str("rejection_reason", p.RejectionReason)
	w.close()
}

func (b *BusinessCapabilityUpdate) encode(w *jsonWriter) {
	w.open(b.Extra)
	w.integer("max_daily_conversation_per_phone", b.MaxDailyConversationPerPhone)
	w.num("max_daily_conversations_per_business", b.MaxDailyConversationsPerBusiness)
	w.integer("max_phone_numbers_per_business", b.MaxPhoneNumbersPerBusiness)
	w.integer("max_phone_numbers_per_waba", b.MaxPhoneNumbersPerWABA)
	w.close()
}

func (a *AccountUpdate) encode(w *jsonWriter) {
	w.open(a.Extra)
	w.str("event", a.Event)
	w.str("country", a.Country)
	if i := a.WABAInfo; i != nil {
		w.obj("waba_info", func() {
			w.open(i.Extra)
			w.str("waba_id", i.WABAID)
			w.str("owner_business_id", i.OwnerBusinessID)
			w.str("ad_account_linked", i.AdAccountLinked)
			w.str("partner_app_id", i.PartnerAppID)
			w.str("solution_id", i.SolutionID)
			w.strs("solution_partner_business_ids", i.SolutionPartnerBusinessIDs)
			w.close()
		})
	}
	if v := a.ViolationInfo; v != nil {
		w.obj("violation_info", func() {
			w.open(v.Extra)
			w.str("violation_type", v.ViolationType)
			w.close()
		})
	}
	if e := a.AuthInternationalRateEligibility; e != nil {
		w.obj("auth_international_rate_eligibility", func() {
			w.open(e.Extra)
			w.list("exception_countries", len(e.ExceptionCountries), func(i int) {
				x := &e.ExceptionCountries[i]
				w.open(x.Extra)
				w.str("country_code", x.CountryCode)
				w.unixInt("start_time", x.StartTime)
				w.close()
			})
			w.unixInt("start_time", e.StartTime)
			w.close()
		})
	}
	if b := a.BanInfo; b != nil {
		w.obj("ban_info", func() {
			w.open(b.Extra)
			w.str("waba_ban_state", b.WABABanState)
			w.str("waba_ban_date", b.WABABanDate)
			w.close()
		})
	}
	if p := a.PartnerClientCertificationInfo; p != nil {
		w.obj("partner_client_certification_info", func() {
			w.open(p.Extra)
			w.str("client_business_id", p.ClientBusinessID)
			w.str("status", p.Status)
			w.strs("rejection_reasons", p.RejectionReasons)
			w.close()
		})
	}
	if v := a.VolumeTierInfo; v != nil {
		w.obj("volume_tier_info", func() {
			w.open(v.Extra)
			w.unixInt("tier_update_time", v.TierUpdateTime)
			w.str("pricing_category", v.PricingCategory)
			w.str("tier", v.Tier)
			w.str("effective_month", v.EffectiveMonth)
			w.str("region", v.Region)
			w.close()
		})
	}
	w.close()
}

func (a *AccountAlert) encode(w *jsonWriter) {
	w.open(a.Extra)
	w.str("entity_type", a.EntityType)
	w.str("entity_id", a.EntityID)
	if i := a.AlertInfo; i != nil {
		w.obj("alert_info", func() {
			w.open(i.Extra)
			w.str("alert_severity", i.Severity)
			w.str("alert_status", i.Status)
			w.str("alert_type", i.Type)
			w.str("alert_description", i.Description)
			w.close()
		})
	}
	w.close()
}

func (a *AccountReviewUpdate) encode(w *jsonWriter) {
	w.open(a.Extra)
	w.str("decision", a.Decision)
	w.close()
}

func (u *UserPreferencesValue) encode(w *jsonWriter) {
	w.open(u.Extra)
	w.str("messaging_product", u.MessagingProduct)
	if !u.Metadata.isZero() {
		w.obj("metadata", func() { u.Metadata.encode(w) })
	}
	w.list("contacts", len(u.Contacts), func(i int) { u.Contacts[i].encode(w) })
	w.list("user_preferences", len(u.Preferences), func(i int) {
		p := &u.Preferences[i]
		w.open(p.Extra)
		w.str("wa_id", p.WaID)
		w.str("user_id", p.UserID)
		w.str("detail", p.Detail)
		w.str("category", p.Category)
		w.str("value", p.Value)
		w.unixInt("timestamp", p.Timestamp)
		w.close()
	})
	w.close()
}

func (s *SecurityUpdate) encode(w *jsonWriter) {
	w.open(s.Extra)
	w.str("display_phone_number", s.DisplayPhoneNumber)
	w.str("event", s.Event)
	w.str("requester", s.Requester)
	w.close()
}

package whatsapp

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"net/http"
)

// This file holds the business phone number endpoints: list, get,
// register, deregister, the ownership code (request and verify) and the
// two-step verification PIN.

// NameStatus is the review status of a number's display name
// (name_status, new_name_status).
type NameStatus string

// Documented display name statuses.
const (
	NameApproved               NameStatus = "APPROVED"
	NameAvailableWithoutReview NameStatus = "AVAILABLE_WITHOUT_REVIEW"
	NameDeclined               NameStatus = "DECLINED"
	NameExpired                NameStatus = "EXPIRED"
	NamePendingReview          NameStatus = "PENDING_REVIEW"
	NameNone                   NameStatus = "NONE"
)

// CodeVerificationStatus tells whether the number's ownership was proven
// with the SMS or voice code (code_verification_status).
type CodeVerificationStatus string

// Documented code verification statuses.
const (
	CodeVerified    CodeVerificationStatus = "VERIFIED"
	CodeNotVerified CodeVerificationStatus = "NOT_VERIFIED"
	CodeExpired     CodeVerificationStatus = "EXPIRED"
)

// PlatformType is where a number is hosted (platform_type).
type PlatformType string

// Documented platform types.
const (
	PlatformCloudAPI      PlatformType = "CLOUD_API"
	PlatformOnPremise     PlatformType = "ON_PREMISE"
	PlatformNotApplicable PlatformType = "NOT_APPLICABLE"
)

// AccountMode tells a live number from a sandbox (test) one.
type AccountMode string

// Documented account modes.
const (
	AccountModeLive    AccountMode = "LIVE"
	AccountModeSandbox AccountMode = "SANDBOX"
)

// PhoneNumber is a business phone number. Which fields are filled depends
// on the fields requested; the API's default is a handful (id,
// display_phone_number, verified_name, quality_rating, ...).
type PhoneNumber struct {
	// ID is the phone number ID used in API paths.
	ID string `json:"id"`
	// DisplayPhoneNumber is the number as shown, e.g. "+1 555-010-0000".
	DisplayPhoneNumber string `json:"display_phone_number,omitempty"`
	// VerifiedName is the approved display name.
	VerifiedName string `json:"verified_name,omitempty"`
	// QualityRating is GREEN, YELLOW, RED, UNKNOWN or NA (not yet rated).
	QualityRating QualityRating `json:"quality_rating,omitempty"`
	// QualityScore is the quality_score object, kept as it comes.
	QualityScore json.RawMessage `json:"quality_score,omitempty"`
	// Status is the number's status; only CONNECTED numbers send.
	Status PhoneStatus `json:"status,omitempty"`
	// CodeVerificationStatus tells whether ownership was verified.
	CodeVerificationStatus CodeVerificationStatus `json:"code_verification_status,omitempty"`
	// NameStatus is the display name's review status; NewNameStatus that
	// of a requested new name.
	NameStatus    NameStatus `json:"name_status,omitempty"`
	NewNameStatus NameStatus `json:"new_name_status,omitempty"`
	// PlatformType is CLOUD_API, ON_PREMISE or NOT_APPLICABLE.
	PlatformType PlatformType `json:"platform_type,omitempty"`
	// Throughput is the number's throughput level.
	Throughput PhoneNumberThroughput `json:"throughput,omitzero"`
	// MessagingLimit is the messaging limit tier, as
	// whatsapp_business_manager_messaging_limit gives it (v24.0 and later).
	MessagingLimit Tier `json:"whatsapp_business_manager_messaging_limit,omitempty"`
	// MessagingLimitTier is the deprecated messaging_limit_tier (v23.0 and
	// earlier; TIER_1K where later versions say TIER_2K).
	MessagingLimitTier Tier `json:"messaging_limit_tier,omitempty"`
	// AccountMode is LIVE or SANDBOX.
	AccountMode AccountMode `json:"account_mode,omitempty"`
	// IsOfficialBusinessAccount reports the green badge.
	IsOfficialBusinessAccount bool `json:"is_official_business_account,omitempty"`
	// IsPinEnabled reports whether a two-step verification PIN is set.
	IsPinEnabled bool `json:"is_pin_enabled,omitempty"`
	// IsOnBizApp reports a number shared with the WhatsApp Business app
	// (coexistence).
	IsOnBizApp bool `json:"is_on_biz_app,omitempty"`
	// IsPreverifiedNumber reports a number bought pre-verified.
	IsPreverifiedNumber bool `json:"is_preverified_number,omitempty"`
	// SearchVisibility is VISIBLE or HIDDEN.
	SearchVisibility string `json:"search_visibility,omitempty"`
	// CountryCode (ISO 3166-1 alpha-2) and CountryDialCode, e.g. "US", "1".
	CountryCode     string `json:"country_code,omitempty"`
	CountryDialCode string `json:"country_dial_code,omitempty"`
	// LastOnboardedTime is when the number was last onboarded, as given.
	LastOnboardedTime string `json:"last_onboarded_time,omitempty"`
	// WebhookConfiguration is where this number's webhooks go.
	WebhookConfiguration *WebhookConfiguration `json:"webhook_configuration,omitempty"`
	// HealthStatus is the health_status object, kept as it comes.
	HealthStatus json.RawMessage `json:"health_status,omitempty"`
	// Certificate and NewCertificate are the display name certificates.
	Certificate    string `json:"certificate,omitempty"`
	NewCertificate string `json:"new_certificate,omitempty"`

	// Raw is the object as received, with the fields not modelled here.
	Raw json.RawMessage `json:"-"`
}

// PhoneNumberThroughput is a number's throughput (throughput.level):
// STANDARD (80 messages per second), HIGH (up to 1,000) or NOT_APPLICABLE.
type PhoneNumberThroughput struct {
	Level ThroughputLevel `json:"level,omitempty"`
}

// WebhookConfiguration is where a phone number's webhooks are delivered:
// the app's callback, or an override for the WABA or the number.
type WebhookConfiguration struct {
	Application             string `json:"application,omitempty"`
	WhatsAppBusinessAccount string `json:"whatsapp_business_account,omitempty"`
	PhoneNumber             string `json:"phone_number,omitempty"`
}

// UnmarshalJSON decodes a phone number and keeps the raw object in Raw.
func (p *PhoneNumber) UnmarshalJSON(b []byte) error {
	type plain PhoneNumber
	if err := json.Unmarshal(b, (*plain)(p)); err != nil {
		return err
	}
	p.Raw = bytes.Clone(b)
	return nil
}

// ListPhoneNumbersOptions filters and pages a phone number list. The zero
// value lists every number with the API's default fields.
type ListPhoneNumbersOptions struct {
	// Fields selects the fields returned, e.g. {"id", "status",
	// "quality_rating", "throughput"}.
	Fields []string `url:"fields,comma,omitempty"`
	// Limit is the page size.
	Limit int `url:"limit,omitempty"`
	// After and Before are paging cursors from a previous page.
	After  string `url:"after,omitempty"`
	Before string `url:"before,omitempty"`
	// Filtering restricts the list, e.g. {Field: "account_mode",
	// Operator: "EQUAL", Value: "SANDBOX"}.
	Filtering []PhoneNumberFilter `url:"-"`
}

// PhoneNumberFilter is one condition of ListPhoneNumbersOptions.Filtering.
type PhoneNumberFilter struct {
	Field    string `json:"field"`
	Operator string `json:"operator"`
	Value    string `json:"value"`
}

// PhoneNumberPage is one page of a phone number list.
type PhoneNumberPage struct {
	// PhoneNumbers are the page's numbers.
	PhoneNumbers []PhoneNumber `json:"data"`
	// Paging holds the cursors to the next and previous pages.
	Paging Paging `json:"paging"`
}

// ListPhoneNumbersPage returns one page of the phone numbers of the
// WhatsApp Business Account wabaID. Pass Paging.Cursors.After as
// opts.After for the next page, or use ListPhoneNumbers to walk them all.
// It returns a *ValidationError for a bad wabaID and an *APIError when the
// API refuses the call.
//
// Cloud API: GET /{waba-id}/phone_numbers.
func (c *Client) ListPhoneNumbersPage(ctx context.Context, wabaID string, opts *ListPhoneNumbersOptions) (*PhoneNumberPage, error) {
	seg, err := pathSegment("waba_id", wabaID)
	if err != nil {
		return nil, err
	}
	q, err := listQuery(opts)
	if err != nil {
		return nil, err
	}
	if opts != nil && len(opts.Filtering) > 0 {
		b, err := json.Marshal(opts.Filtering)
		if err != nil {
			return nil, fmt.Errorf("whatsapp: ListPhoneNumbersOptions.Filtering: %w", err)
		}
		q.Set("filtering", string(b))
	}
	page := new(PhoneNumberPage)
	if err := c.do(ctx, &request{method: http.MethodGet, path: seg + "/phone_numbers", query: q}, page); err != nil {
		return nil, err
	}
	return page, nil
}

// ListPhoneNumbers returns an iterator over every phone number of the
// WhatsApp Business Account wabaID, fetching pages lazily as the loop
// advances (opts is copied). On an error the iterator yields it once, with
// a zero PhoneNumber, and stops.
//
// Cloud API: GET /{waba-id}/phone_numbers.
func (c *Client) ListPhoneNumbers(ctx context.Context, wabaID string, opts *ListPhoneNumbersOptions) iter.Seq2[PhoneNumber, error] {
	var o ListPhoneNumbersOptions
	if opts != nil {
		o = *opts
	}
	return walkPages(wabaID+"/phone_numbers", func(after string) ([]PhoneNumber, Paging, error) {
		o := o
		if after != "" {
			o.After, o.Before = after, ""
		}
		p, err := c.ListPhoneNumbersPage(ctx, wabaID, &o)
		if err != nil {
			return nil, Paging{}, err
		}
		return p.PhoneNumbers, p.Paging, nil
	})
}

// GetPhoneNumber returns the phone number phoneNumberID. fields selects
// the fields returned, e.g. "quality_rating", "throughput",
// "whatsapp_business_manager_messaging_limit"; none means the API's
// defaults. It returns a *ValidationError for a bad id and an *APIError
// when the API refuses the call.
//
// Cloud API: GET /{phone-number-id}.
func (c *Client) GetPhoneNumber(ctx context.Context, phoneNumberID string, fields ...string) (*PhoneNumber, error) {
	seg, err := pathSegment("phone_number_id", phoneNumberID)
	if err != nil {
		return nil, err
	}
	p := new(PhoneNumber)
	if err := c.do(ctx, &request{method: http.MethodGet, path: seg, query: fieldsQuery(fields)}, p); err != nil {
		return nil, err
	}
	return p, nil
}

// DataLocalizationRegions returns the regions where a number's message
// data can be stored at rest (Local Storage), as ISO country codes.
func DataLocalizationRegions() []string {
	return []string{"AU", "ID", "IN", "JP", "SG", "KR", "DE", "CH", "GB", "BR", "BH", "ZA", "AE", "CA"}
}

// RegisterOptions are the optional parameters of RegisterPhoneNumber.
type RegisterOptions struct {
	// DataLocalizationRegion keeps message data at rest in one country,
	// one of DataLocalizationRegions. Changing it later needs a deregister
	// and a new register.
	DataLocalizationRegion string
}

type registerBody struct {
	MessagingProduct       string `json:"messaging_product"`
	PIN                    string `json:"pin"`
	DataLocalizationRegion string `json:"data_localization_region,omitempty"`
}

// RegisterPhoneNumber registers phoneNumberID for the Cloud API, setting
// (or, for a number that has one, giving) its 6-digit two-step
// verification PIN. A number may be registered 10 times in 72 hours; past
// that the API answers 133016 and blocks it for 72 hours.
//
// It returns a *ValidationError for a PIN that is not 6 digits or an
// unknown region, and an *APIError when the API refuses the call.
//
// Cloud API: POST /{phone-number-id}/register.
func (c *Client) RegisterPhoneNumber(ctx context.Context, phoneNumberID, pin string, opts *RegisterOptions) error {
	seg, err := pathSegment("phone_number_id", phoneNumberID)
	if err != nil {
		return err
	}
	if err := checkDigits("pin", pin, 6); err != nil {
		return err
	}
	body := registerBody{MessagingProduct: "whatsapp", PIN: pin}
	if opts != nil && opts.DataLocalizationRegion != "" {
		if err := oneOf("data_localization_region", opts.DataLocalizationRegion, DataLocalizationRegions()...); err != nil {
			return err
		}
		body.DataLocalizationRegion = opts.DataLocalizationRegion
	}
	return c.postSuccess(ctx, seg+"/register", body)
}

// DeregisterPhoneNumber removes phoneNumberID from the Cloud API: it can
// no longer send or receive messages until registered again. It returns a
// *ValidationError for a bad id and an *APIError when the API refuses.
//
// Cloud API: POST /{phone-number-id}/deregister.
func (c *Client) DeregisterPhoneNumber(ctx context.Context, phoneNumberID string) error {
	seg, err := pathSegment("phone_number_id", phoneNumberID)
	if err != nil {
		return err
	}
	return c.postSuccess(ctx, seg+"/deregister", nil)
}

// CodeMethod is how the ownership verification code is delivered.
type CodeMethod string

// Code delivery methods.
const (
	CodeMethodSMS   CodeMethod = "SMS"
	CodeMethodVoice CodeMethod = "VOICE"
)

type requestCodeBody struct {
	CodeMethod CodeMethod `json:"code_method"`
	Language   string     `json:"language"`
}

// RequestVerificationCode asks for the 6-digit code that proves ownership
// of phoneNumberID, sent by SMS or voice call in language (e.g. "en_US").
// Confirm it with VerifyCode. It returns a *ValidationError for a bad
// method or language and an *APIError when the API refuses the call.
//
// Cloud API: POST /{phone-number-id}/request_code.
func (c *Client) RequestVerificationCode(ctx context.Context, phoneNumberID string, method CodeMethod, language string) error {
	seg, err := pathSegment("phone_number_id", phoneNumberID)
	if err != nil {
		return err
	}
	if err := oneOf("code_method", string(method), string(CodeMethodSMS), string(CodeMethodVoice)); err != nil {
		return err
	}
	if err := checkLanguageCode("language", language); err != nil {
		return err
	}
	return c.postSuccess(ctx, seg+"/request_code", requestCodeBody{CodeMethod: method, Language: language})
}

type verifyCodeBody struct {
	Code string `json:"code"`
}

// VerifyCode confirms the 6-digit code received after
// RequestVerificationCode (digits only, without the dash some SMS show).
// It returns a *ValidationError for a code that is not 6 digits and an
// *APIError when the API refuses it.
//
// Cloud API: POST /{phone-number-id}/verify_code.
func (c *Client) VerifyCode(ctx context.Context, phoneNumberID, code string) error {
	seg, err := pathSegment("phone_number_id", phoneNumberID)
	if err != nil {
		return err
	}
	if err := checkDigits("code", code, 6); err != nil {
		return err
	}
	return c.postSuccess(ctx, seg+"/verify_code", verifyCodeBody{Code: code})
}

type pinBody struct {
	PIN string `json:"pin"`
}

// SetTwoStepPIN sets or changes the 6-digit two-step verification PIN of
// phoneNumberID, needed to register the number again or to move it to
// another provider. The API offers no way to remove it. It returns a
// *ValidationError for a PIN that is not 6 digits and an *APIError when
// the API refuses the call.
//
// Cloud API: POST /{phone-number-id} with "pin".
func (c *Client) SetTwoStepPIN(ctx context.Context, phoneNumberID, pin string) error {
	seg, err := pathSegment("phone_number_id", phoneNumberID)
	if err != nil {
		return err
	}
	if err := checkDigits("pin", pin, 6); err != nil {
		return err
	}
	return c.postSuccess(ctx, seg, pinBody{PIN: pin})
}

// checkDigits checks that s is exactly n ASCII digits. The value is not
// echoed in the error: PINs and codes are secrets.
func checkDigits(field, s string, n int) error {
	if len(s) != n {
		return invalid(field, fmt.Sprintf("must be exactly %d digits, has %d characters", n, len([]rune(s))), nil)
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return invalid(field, fmt.Sprintf("must be exactly %d digits (0-9)", n), nil)
		}
	}
	return nil
}

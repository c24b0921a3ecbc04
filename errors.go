package whatsapp

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Sentinel errors. An error returned by the Client (an *APIError), by the
// Guard (a local refusal) or found in a failed status webhook (Status.Errors)
// matches the same sentinel with errors.Is, so one check covers all three
// paths:
//
//	if errors.Is(err, whatsapp.ErrWindowClosed) {
//		// send a template instead
//	}
var (
	// ErrInvalidMessage matches every *ValidationError: the request broke a
	// documented limit and was refused locally, before any HTTP call.
	ErrInvalidMessage = errors.New("whatsapp: invalid message")

	// ErrWindowClosed: more than 24 hours passed since the user's last
	// message, so only a template may be sent (131047).
	ErrWindowClosed = errors.New("whatsapp: customer service window closed")

	// ErrRateLimited: a throughput or API-call rate limit was hit (130429,
	// 80007, 4, 17, 613, HTTP 429), or the Guard's throughput limiter refused.
	ErrRateLimited = errors.New("whatsapp: rate limited")

	// ErrPairRateLimited: too many messages to the same user in a short time
	// (131056). Other recipients are unaffected.
	ErrPairRateLimited = errors.New("whatsapp: pair rate limit reached for this recipient")

	// ErrTemplateParams: the template parameters do not match the template's
	// definition, in count or format (132000, 132012).
	ErrTemplateParams = errors.New("whatsapp: template parameters do not match the template")

	// ErrTemplateNotFound: the template does not exist in that language or is
	// not approved (132001).
	ErrTemplateNotFound = errors.New("whatsapp: template not found or not approved")

	// ErrTemplatePaused: the template is paused for low quality (132015).
	ErrTemplatePaused = errors.New("whatsapp: template paused")

	// ErrTemplateDisabled: the template is disabled for low quality (132016).
	ErrTemplateDisabled = errors.New("whatsapp: template disabled")

	// ErrTemplateContent: a template definition breaks a content rule: too
	// long, a malformed header, body or footer, a variable at the start or
	// end, too many variables for its length (2388040, 2388047, 2388072,
	// 2388073, 2388293, 2388299), or a local check of the same rules
	// (MessageTemplate.Validate).
	ErrTemplateContent = errors.New("whatsapp: template content breaks a rule")

	// ErrMarketingOptOut: the user stopped marketing messages from this
	// business (131050).
	ErrMarketingOptOut = errors.New("whatsapp: user opted out of marketing messages")

	// ErrFrequencyCap: the user already received as many marketing messages
	// as allowed, by the Guard's policy or by Meta's per-user marketing limit
	// (131049).
	ErrFrequencyCap = errors.New("whatsapp: marketing frequency cap reached for this user")

	// ErrTierLimit: the messaging limit (unique users reached by
	// business-initiated messages in a moving 24 hours) is exhausted.
	ErrTierLimit = errors.New("whatsapp: messaging limit tier exhausted")

	// ErrNotOptedIn: the recipient has not opted in to messages from this
	// business.
	ErrNotOptedIn = errors.New("whatsapp: recipient has not opted in")

	// ErrQuietHours: marketing is not sent at night, early in the morning or
	// at weekends in the recipient's time zone.
	ErrQuietHours = errors.New("whatsapp: quiet hours for marketing in the recipient's time zone")

	// ErrUndeliverable: the recipient cannot receive the message: not on
	// WhatsApp, terms not accepted, or an old client (131026).
	ErrUndeliverable = errors.New("whatsapp: message undeliverable to this recipient")

	// ErrSpamRateLimited: Meta limited the number's sends for quality reasons
	// (131048).
	ErrSpamRateLimited = errors.New("whatsapp: sends limited for quality (spam rate limit)")

	// ErrUnauthorized: the access token is missing, expired or invalid (0,
	// 190).
	ErrUnauthorized = errors.New("whatsapp: access token invalid or expired")

	// ErrPermission: the token lacks a permission or capability the call
	// needs (3, 10, 200-299, 131005).
	ErrPermission = errors.New("whatsapp: permission denied")
)

// RetryClass says whether and how a failed call may be retried, per the
// Cloud API's documented handling of each error code.
type RetryClass int

const (
	// RetryNever: do not retry automatically; the request or the account
	// must change first.
	RetryNever RetryClass = iota
	// RetryBackoff: retry with exponential backoff and jitter.
	RetryBackoff
	// RetryLimited: a retry or two may help; then give up.
	RetryLimited
	// RetryAfterWait: retry only after a fixed, documented wait (see
	// ErrorCode.Wait and APIError.RetryAfter).
	RetryAfterWait
)

// String returns the name of the class.
func (r RetryClass) String() string {
	switch r {
	case RetryNever:
		return "never"
	case RetryBackoff:
		return "backoff"
	case RetryLimited:
		return "limited"
	case RetryAfterWait:
		return "after-wait"
	}
	return "RetryClass(" + strconv.Itoa(int(r)) + ")"
}

// ErrorCode describes one documented Cloud API error code, or a range of
// codes sharing a meaning.
type ErrorCode struct {
	Code int // first code of the range
	Last int // last code of the range; 0 for a single code
	// Name is a short description of the error.
	Name string
	// Retry is the documented retry class.
	Retry RetryClass
	// Wait is the documented wait before a retry, for RetryAfterWait codes
	// whose wait is known. The pair rate limit (131056) grows its wait as
	// 4^n seconds instead; see RetryConfig.
	Wait time.Duration
	// Hint says what to do about it.
	Hint string

	sentinel error
}

// codeTable holds every code of the Cloud API error reference, in code order.
// It is data, not a switch: LookupErrorCode, APIError.Is and the retry policy
// all read it.
var codeTable = []ErrorCode{
	{Code: 0, Name: "cannot authenticate app user", Retry: RetryNever, Hint: "the token expired or was invalidated: get a new one", sentinel: ErrUnauthorized},
	{Code: 1, Name: "invalid request or possible server error", Retry: RetryLimited, Hint: "check the platform status page and validate the request"},
	{Code: 2, Name: "temporary downtime or overload", Retry: RetryBackoff, Hint: "retry with backoff"},
	{Code: 3, Name: "capability or permission issue", Retry: RetryNever, Hint: "check the token's permissions", sentinel: ErrPermission},
	{Code: 4, Name: "app API-call rate limit", Retry: RetryAfterWait, Hint: "slow down; see the app dashboard's usage", sentinel: ErrRateLimited},
	{Code: 10, Name: "permission not granted or removed", Retry: RetryNever, Hint: "fix the app's permissions or eligibility", sentinel: ErrPermission},
	{Code: 17, Name: "user request rate limit", Retry: RetryAfterWait, Hint: "back off", sentinel: ErrRateLimited},
	{Code: 33, Name: "business phone number deleted", Retry: RetryNever, Hint: "use a valid phone number ID"},
	{Code: 100, Name: "invalid parameter", Retry: RetryNever, Hint: "fix the request: a parameter is invalid, unsupported, misspelled or too long"},
	{Code: 190, Name: "access token expired or invalid", Retry: RetryNever, Hint: "get a new token", sentinel: ErrUnauthorized},
	{Code: 200, Last: 299, Name: "API permission", Retry: RetryNever, Hint: "fix the token or the app's permissions", sentinel: ErrPermission},
	{Code: 368, Name: "account restricted or disabled for a policy violation", Retry: RetryNever, Hint: "stop sending from this account and review the violation"},
	{Code: 613, Name: "calls rate limit", Retry: RetryAfterWait, Hint: "back off", sentinel: ErrRateLimited},
	{Code: 80007, Name: "WhatsApp Business Account rate limit", Retry: RetryAfterWait, Hint: "management calls are limited per hour: back off to the next window", sentinel: ErrRateLimited},
	{Code: 130403, Name: "recipient blocked by the business", Retry: RetryNever, Hint: "unblock the user first"},
	{Code: 130429, Name: "throughput limit reached", Retry: RetryBackoff, Hint: "slow down: the number's messages per second are exhausted", sentinel: ErrRateLimited},
	{Code: 130472, Name: "user in a marketing experiment", Retry: RetryNever, Hint: "drop the message"},
	{Code: 130497, Name: "business cannot message users in this country", Retry: RetryNever, Hint: "drop the message"},
	{Code: 131000, Name: "something went wrong", Retry: RetryLimited, Hint: "retry, then contact support"},
	{Code: 131005, Name: "access denied", Retry: RetryNever, Hint: "check permissions", sentinel: ErrPermission},
	{Code: 131008, Name: "required parameter missing", Retry: RetryNever, Hint: "add the missing parameter"},
	{Code: 131009, Name: "parameter value invalid", Retry: RetryNever, Hint: "fix the parameter value"},
	{Code: 131016, Name: "service unavailable", Retry: RetryBackoff, Hint: "retry with backoff"},
	{Code: 131021, Name: "recipient cannot be sender", Retry: RetryNever, Hint: "send to another number"},
	{Code: 131026, Name: "message undeliverable", Retry: RetryNever, Hint: "the recipient is not on WhatsApp, has not accepted the terms, or uses an old client", sentinel: ErrUndeliverable},
	{Code: 131030, Name: "recipient not in allowed list", Retry: RetryNever, Hint: "add the number to the test number's allowed list"},
	{Code: 131031, Name: "account locked", Retry: RetryNever, Hint: "check the account's health status (wrong two-step PIN?)"},
	{Code: 131037, Name: "display name approval needed", Retry: RetryNever, Hint: "get the display name approved"},
	{Code: 131042, Name: "business eligibility payment issue", Retry: RetryNever, Hint: "fix the payment method"},
	{Code: 131045, Name: "incorrect certificate", Retry: RetryNever, Hint: "register the phone number"},
	{Code: 131047, Name: "re-engagement message", Retry: RetryNever, Hint: "more than 24 hours since the user's last message: send a template", sentinel: ErrWindowClosed},
	{Code: 131048, Name: "spam rate limit hit", Retry: RetryNever, Hint: "cut the volume and review the number's quality", sentinel: ErrSpamRateLimited},
	{Code: 131049, Name: "per-user marketing limit", Retry: RetryAfterWait, Wait: 24 * time.Hour, Hint: "do not retry in a loop: wait at least 24 hours", sentinel: ErrFrequencyCap},
	{Code: 131050, Name: "user stopped marketing messages", Retry: RetryNever, Hint: "suppress marketing to this user", sentinel: ErrMarketingOptOut},
	{Code: 131051, Name: "unsupported message type", Retry: RetryNever},
	{Code: 131052, Name: "media download error", Retry: RetryNever, Hint: "ask the user to send the file again"},
	{Code: 131053, Name: "media upload error", Retry: RetryNever, Hint: "fix the file's type or size"},
	{Code: 131055, Name: "method not allowed", Retry: RetryNever},
	{Code: 131056, Name: "pair rate limit hit", Retry: RetryAfterWait, Wait: time.Second, Hint: "too many messages to this user: wait 4^n seconds; other users are unaffected", sentinel: ErrPairRateLimited},
	{Code: 131057, Name: "account in maintenance mode", Retry: RetryAfterWait, Wait: time.Minute, Hint: "retry in about a minute"},
	{Code: 131060, Name: "message unavailable", Retry: RetryNever},
	{Code: 131062, Name: "business-scoped user ID recipient not supported", Retry: RetryNever, Hint: "send to the phone number"},
	{Code: 131063, Name: "marketing disabled on Cloud API", Retry: RetryNever, Hint: "use the Marketing Messages API or re-enable marketing"},
	{Code: 131064, Name: "limit after template misclassification", Retry: RetryNever, Hint: "wait for the enforcement period to end"},
	{Code: 132000, Name: "template parameter count mismatch", Retry: RetryNever, Hint: "send as many parameters as the template has variables", sentinel: ErrTemplateParams},
	{Code: 132001, Name: "template does not exist", Retry: RetryNever, Hint: "check the template's name, language and status", sentinel: ErrTemplateNotFound},
	{Code: 132005, Name: "translated text too long", Retry: RetryNever},
	{Code: 132007, Name: "template format character policy violated", Retry: RetryNever},
	{Code: 132008, Name: "template parameter format mismatch", Retry: RetryNever, Hint: "fix the parameter value", sentinel: ErrTemplateParams},
	{Code: 132012, Name: "template parameter format mismatch", Retry: RetryNever, Hint: "send parameters in the template's format (named or positional, and the header's media type)", sentinel: ErrTemplateParams},
	{Code: 132015, Name: "template paused", Retry: RetryAfterWait, Wait: 3 * time.Hour, Hint: "the template's quality is low: wait for the pause to end or edit it", sentinel: ErrTemplatePaused},
	{Code: 132016, Name: "template disabled", Retry: RetryNever, Hint: "create a new template", sentinel: ErrTemplateDisabled},
	{Code: 132018, Name: "template validation error", Retry: RetryNever},
	{Code: 132068, Name: "flow blocked", Retry: RetryNever, Hint: "fix the flow"},
	{Code: 132069, Name: "flow throttled", Retry: RetryAfterWait, Wait: time.Hour, Hint: "the flow's sends per hour are used up"},
	{Code: 133000, Name: "incomplete deregistration", Retry: RetryNever, Hint: "deregister again"},
	{Code: 133004, Name: "server temporarily unavailable", Retry: RetryBackoff, Hint: "retry with backoff"},
	{Code: 133005, Name: "two-step verification PIN mismatch", Retry: RetryNever, Hint: "reset the PIN"},
	{Code: 133006, Name: "phone number needs verification", Retry: RetryNever, Hint: "request and verify a code before registering"},
	{Code: 133008, Name: "too many two-step verification PIN guesses", Retry: RetryAfterWait, Hint: "wait as the error details say"},
	{Code: 133009, Name: "two-step verification PIN guessed too fast", Retry: RetryAfterWait, Hint: "wait as the error details say"},
	{Code: 133010, Name: "phone number not registered", Retry: RetryNever, Hint: "register the number"},
	{Code: 133015, Name: "phone number recently deleted", Retry: RetryAfterWait, Wait: 5 * time.Minute, Hint: "retry in 5 minutes"},
	{Code: 133016, Name: "registration attempts exceeded", Retry: RetryAfterWait, Wait: 72 * time.Hour, Hint: "10 register or deregister calls per 72 hours"},
	{Code: 134011, Name: "payments terms of service pending", Retry: RetryNever, Hint: "accept the terms"},
	{Code: 134100, Name: "marketing templates only", Retry: RetryNever},
	{Code: 134101, Name: "template syncing", Retry: RetryAfterWait, Wait: 10 * time.Minute, Hint: "retry within 10 minutes"},
	{Code: 134102, Name: "Marketing Messages API unavailable", Retry: RetryNever},
	{Code: 135000, Name: "generic user error", Retry: RetryNever, Hint: "check the request's syntax"},
	{Code: 137000, Name: "identity key hash mismatch", Retry: RetryNever, Hint: "verify the user's identity again"},
	{Code: 138000, Last: 138018, Name: "calling error", Retry: RetryNever, Hint: "see the Calling API documentation"},
	{Code: 139000, Last: 139004, Name: "flow error", Retry: RetryNever, Hint: "the flow is blocked, or its update, publish, deprecate or delete failed"},
	{Code: 139100, Name: "block users: partial failure", Retry: RetryNever, Hint: "see which users failed"},
	{Code: 139101, Name: "block list limit reached", Retry: RetryNever, Hint: "the block list holds at most 64,000 users"},
	{Code: 139102, Name: "block list concurrent update", Retry: RetryAfterWait, Wait: time.Second, Hint: "retry after a short wait"},
	{Code: 139103, Name: "block users internal error", Retry: RetryBackoff},
	{Code: 147001, Last: 147005, Name: "username error", Retry: RetryNever},
	{Code: 200005, Last: 200007, Name: "template insights unavailable", Retry: RetryNever},
	{Code: 1752041, Name: "duplicate onboarding request", Retry: RetryNever, Hint: "ignore"},
	{Code: 2388012, Name: "phone number migration error", Retry: RetryNever},
	{Code: 2388019, Name: "template count limit reached", Retry: RetryNever, Hint: "delete unused templates"},
	{Code: 2388039, Name: "template cannot be edited now", Retry: RetryAfterWait, Wait: 24 * time.Hour, Hint: "the template is in review or its edit quota is used: retry after review"},
	{Code: 2388040, Name: "template text too long", Retry: RetryNever, Hint: "shorten the template", sentinel: ErrTemplateContent},
	{Code: 2388047, Name: "template header malformed", Retry: RetryNever, Hint: "fix the header", sentinel: ErrTemplateContent},
	{Code: 2388072, Name: "template body malformed", Retry: RetryNever, Hint: "fix the body", sentinel: ErrTemplateContent},
	{Code: 2388073, Name: "template footer malformed", Retry: RetryNever, Hint: "fix the footer", sentinel: ErrTemplateContent},
	{Code: 2388091, Name: "phone number migration error", Retry: RetryNever},
	{Code: 2388093, Name: "phone number migration error", Retry: RetryNever},
	{Code: 2388103, Name: "phone number migration error", Retry: RetryNever},
	{Code: 2388293, Name: "too many template variables for the text length", Retry: RetryNever, Hint: "add text or remove variables", sentinel: ErrTemplateContent},
	{Code: 2388299, Name: "template variable at start or end", Retry: RetryNever, Hint: "move the variable away from the start and end", sentinel: ErrTemplateContent},
	{Code: 2494100, Name: "phone number in maintenance mode", Retry: RetryAfterWait, Wait: 5 * time.Minute, Hint: "retry in a few minutes"},
	{Code: 2593107, Name: "coexistence sync called too often", Retry: RetryNever, Hint: "re-onboard"},
	{Code: 2593108, Name: "coexistence sync called after 24 hours", Retry: RetryNever, Hint: "re-onboard"},
}

// LookupErrorCode returns the documented description of a Cloud API error
// code, and false for a code the table does not know.
func LookupErrorCode(code int) (ErrorCode, bool) {
	// The table is small and sorted; a binary search keeps this cheap on the
	// webhook path, where every failed status is classified.
	lo, hi := 0, len(codeTable)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		e := &codeTable[m]
		last := e.Code
		if e.Last > last {
			last = e.Last
		}
		switch {
		case code < e.Code:
			hi = m
		case code > last:
			lo = m + 1
		default:
			return *e, true
		}
	}
	return ErrorCode{}, false
}

// ErrorCodes returns a copy of the whole documented error-code table, in
// code order.
func ErrorCodes() []ErrorCode {
	return append([]ErrorCode(nil), codeTable...)
}

// Sentinel returns the sentinel error that codes in this entry match, or
// nil.
func (c ErrorCode) Sentinel() error { return c.sentinel }

// APIError is an error returned by the Cloud API: the response to a failed
// call, or an entry of the errors array of a webhook (a failed status, an
// inbound message the platform could not deliver, or a system error).
//
// Branch on Code (or on the sentinels with errors.Is), never on Message or
// HTTPStatus: the platform keeps codes stable and rewords messages.
type APIError struct {
	// Code is the Graph API error code, e.g. 131047.
	Code int
	// Subcode is error_subcode, when present.
	Subcode int
	// Type is the Graph error type, e.g. "OAuthException".
	Type string
	// Message is the error message, e.g. "(#131047) Re-engagement message".
	Message string
	// Title is the error's title (webhook errors) or error_user_title.
	Title string
	// UserMessage is error_user_msg, when present.
	UserMessage string
	// Details is error_data.details: the most specific description.
	Details string
	// Href links to the error's documentation (webhook errors).
	Href string
	// FBTraceID identifies the request for Meta's support.
	FBTraceID string
	// Transient is is_transient: the platform says a retry may succeed.
	Transient bool
	// HTTPStatus is the response's status code; 0 for webhook errors.
	HTTPStatus int
	// RetryAfter is how long to wait before a retry can succeed, from the
	// Retry-After header or the code's documented wait; 0 when unknown.
	RetryAfter time.Duration
	// Method and Path name the request that failed (no query, no host).
	Method, Path string
	// Raw is the response body, truncated to 8 KiB, kept when it could not be
	// decoded as a Graph error.
	Raw []byte
	// ErrorData is the error_data object as received, when it holds more
	// than details (which Details carries); MarshalJSON writes it back.
	ErrorData json.RawMessage
	// Extra holds the members of the error object this type does not
	// model, as received; MarshalJSON writes them back.
	Extra map[string]json.RawMessage
}

// maxRawErrorBody bounds APIError.Raw.
const maxRawErrorBody = 8 << 10

// Error reads like "POST /v23.0/1055/messages: 400 (#131047) Re-engagement
// message: more than 24 hours have passed".
func (e *APIError) Error() string {
	var b strings.Builder
	b.WriteString("whatsapp: ")
	if e.Method != "" {
		b.WriteString(e.Method)
		b.WriteByte(' ')
		b.WriteString(e.Path)
		b.WriteString(": ")
	}
	if e.HTTPStatus != 0 {
		b.WriteString(strconv.Itoa(e.HTTPStatus))
		b.WriteByte(' ')
	}
	msg := e.Message
	if msg == "" {
		msg = e.Title
	}
	prefix := "(#" + strconv.Itoa(e.Code) + ")"
	if !strings.HasPrefix(msg, prefix) {
		b.WriteString(prefix)
		if msg != "" {
			b.WriteByte(' ')
		}
	}
	if msg == "" && e.Code != 0 {
		if c, ok := LookupErrorCode(e.Code); ok {
			msg = c.Name
		}
	}
	b.WriteString(msg)
	if e.Details != "" && e.Details != msg {
		b.WriteString(": ")
		b.WriteString(e.Details)
	}
	if e.Code == 0 && msg == "" && len(e.Raw) > 0 {
		b.WriteString(": ")
		b.WriteString(strconv.Quote(truncate(string(e.Raw), 200)))
	}
	return b.String()
}

// Is reports whether the error's code matches target, one of the sentinels
// (ErrWindowClosed, ErrRateLimited, ...). An HTTP 429 matches ErrRateLimited
// whatever its code.
func (e *APIError) Is(target error) bool {
	if target == ErrRateLimited && e.HTTPStatus == 429 {
		return true
	}
	if !e.known() {
		return false
	}
	if c, ok := LookupErrorCode(e.Code); ok {
		return c.sentinel != nil && c.sentinel == target
	}
	return false
}

// known reports whether the error carries a code from the API, rather than
// being a stand-in for an undecodable body.
func (e *APIError) known() bool { return e.Code != 0 || e.Type != "" || e.Message != "" }

// RetryClass returns the documented retry class of the error's code. An
// unknown code is RetryBackoff when the platform marked it transient, and
// RetryNever otherwise. An undecodable response is classified by its HTTP
// status: 429 and 5xx may be retried.
func (e *APIError) RetryClass() RetryClass {
	if e.known() {
		if c, ok := LookupErrorCode(e.Code); ok {
			return c.Retry
		}
	}
	switch {
	case e.Transient, e.HTTPStatus == 429, e.HTTPStatus >= 500:
		return RetryBackoff
	}
	return RetryNever
}

// graphError is the wire shape of an error, in responses ({"error": {...}})
// and in webhooks (errors[]).
type graphError struct {
	Message      string          `json:"message"`
	Type         string          `json:"type"`
	Code         json.Number     `json:"code"`
	Subcode      json.Number     `json:"error_subcode"`
	Title        string          `json:"title"`
	UserTitle    string          `json:"error_user_title"`
	UserMessage  string          `json:"error_user_msg"`
	Href         string          `json:"href"`
	IsTransient  bool            `json:"is_transient"`
	FBTraceID    string          `json:"fbtrace_id"`
	ErrorData    json.RawMessage `json:"error_data"`
	ErrorDetails string          `json:"details"`
}

// UnmarshalJSON decodes an error object in either of its wire shapes: the
// body of a failed call's "error" member, or an item of a webhook's errors
// array. Unknown members are kept in Extra, and an error_data richer than
// its details in ErrorData; a malformed code does not fail the decoding (the
// error keeps Code 0).
func (e *APIError) UnmarshalJSON(data []byte) error {
	var g graphError
	if err := json.Unmarshal(data, &g); err != nil {
		return err
	}
	e.fromGraph(&g)
	var all map[string]json.RawMessage
	if json.Unmarshal(data, &all) != nil {
		return nil
	}
	for k, v := range all {
		if !knownErrorMember[k] {
			if e.Extra == nil {
				e.Extra = make(map[string]json.RawMessage)
			}
			e.Extra[k] = normalizeRaw(v)
		}
	}
	if d := g.ErrorData; len(d) > 0 && !(d[0] == '{' && onlyDetails(d)) {
		e.ErrorData = normalizeRaw(d)
	}
	return nil
}

// knownErrorMember lists the error members APIError models.
var knownErrorMember = map[string]bool{
	"message": true, "type": true, "code": true, "error_subcode": true, "title": true,
	"error_user_title": true, "error_user_msg": true, "href": true, "is_transient": true,
	"fbtrace_id": true, "error_data": true, "details": true,
}

// onlyDetails reports whether an error_data object holds nothing but
// details, which Details already carries.
func onlyDetails(d json.RawMessage) bool {
	var m map[string]json.RawMessage
	if json.Unmarshal(d, &m) != nil {
		return false
	}
	for k := range m {
		if k != "details" {
			return false
		}
	}
	return true
}

func (e *APIError) fromGraph(g *graphError) {
	e.Message = g.Message
	e.Type = g.Type
	e.Code = atoiLoose(string(g.Code))
	e.Subcode = atoiLoose(string(g.Subcode))
	e.Title = g.Title
	if e.Title == "" {
		e.Title = g.UserTitle
	}
	e.UserMessage = g.UserMessage
	e.Href = g.Href
	e.Transient = g.IsTransient
	e.FBTraceID = g.FBTraceID
	e.Details = g.ErrorDetails
	if len(g.ErrorData) > 0 {
		// error_data is an object with "details" on the Cloud API, but a
		// plain string on some Graph endpoints.
		var d struct {
			Details string `json:"details"`
		}
		if g.ErrorData[0] == '{' && json.Unmarshal(g.ErrorData, &d) == nil {
			e.Details = d.Details
		} else if g.ErrorData[0] == '"' {
			_ = json.Unmarshal(g.ErrorData, &e.Details)
		}
	}
}

// MarshalJSON encodes the error in the webhook errors-array shape, so a
// decoded Status re-encodes faithfully.
func (e *APIError) MarshalJSON() ([]byte, error) {
	type wire struct {
		Code      int             `json:"code"`
		Subcode   int             `json:"error_subcode,omitempty"`
		Type      string          `json:"type,omitempty"`
		Title     string          `json:"title,omitempty"`
		Message   string          `json:"message,omitempty"`
		ErrorData json.RawMessage `json:"error_data,omitempty"`
		Href      string          `json:"href,omitempty"`
		Transient bool            `json:"is_transient,omitempty"`
		FBTraceID string          `json:"fbtrace_id,omitempty"`
	}
	w := wire{Code: e.Code, Subcode: e.Subcode, Type: e.Type, Title: e.Title, Message: e.Message,
		ErrorData: e.ErrorData, Href: e.Href, Transient: e.Transient, FBTraceID: e.FBTraceID}
	if len(w.ErrorData) == 0 && e.Details != "" {
		w.ErrorData, _ = json.Marshal(struct {
			Details string `json:"details"`
		}{e.Details})
	}
	b, err := json.Marshal(w)
	if err != nil || len(e.Extra) == 0 {
		return b, err
	}
	keys := make([]string, 0, len(e.Extra))
	for k := range e.Extra {
		if !knownErrorMember[k] {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	out := b[:len(b)-1]
	for _, k := range keys {
		kb, _ := json.Marshal(k)
		out = append(append(append(out, ','), kb...), ':')
		if v := e.Extra[k]; json.Valid(v) {
			out = append(out, v...)
		} else {
			out = append(out, "null"...)
		}
	}
	return append(out, '}'), nil
}

// atoiLoose parses a JSON number or numeric string, returning 0 when it is
// neither.
func atoiLoose(s string) int {
	s = strings.Trim(s, `"`)
	if s == "" {
		return 0
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		if f, ferr := strconv.ParseFloat(s, 64); ferr == nil {
			return int(f)
		}
		return 0
	}
	return n
}

// parseErrorBody builds an *APIError from a failed response's body. It never
// fails: a body that is not a Graph error yields an APIError carrying the
// status and the truncated raw bytes.
func parseErrorBody(status int, body []byte) *APIError {
	e := &APIError{HTTPStatus: status}
	var env struct {
		Error *graphError `json:"error"`
	}
	if err := json.Unmarshal(body, &env); err == nil && env.Error != nil {
		e.fromGraph(env.Error)
		if e.known() {
			return e
		}
	}
	raw := body
	if len(raw) > maxRawErrorBody {
		raw = raw[:maxRawErrorBody]
	}
	e.Raw = bytes.Clone(raw)
	return e
}

// ValidationError reports a local check that failed: a message, template,
// path id or option broke a documented limit. It is returned before any
// HTTP request is made, and matches ErrInvalidMessage with errors.Is. When
// Err is set (for example ErrTemplateParams), it matches that too.
type ValidationError struct {
	// Field is the path of the offending field in the wire format, e.g.
	// "interactive.action.sections[1].rows[3].title".
	Field string
	// Reason says what is wrong, e.g. "must be at most 24 characters".
	Reason string
	// Value is the offending value, when showing it helps.
	Value any
	// Rule names the broken rule when it has a stable name, e.g.
	// "template.variable.adjacent".
	Rule string
	// Err is a more specific sentinel or cause, or nil.
	Err error
}

// Error returns "whatsapp: invalid message: <field>: <reason> (got <value>)".
func (e *ValidationError) Error() string {
	var b strings.Builder
	b.WriteString("whatsapp: invalid message: ")
	if e.Field != "" {
		b.WriteString(e.Field)
		b.WriteString(": ")
	}
	b.WriteString(e.Reason)
	if e.Value != nil {
		b.WriteString(" (got ")
		switch v := e.Value.(type) {
		case string:
			b.WriteString(strconv.Quote(truncate(v, 64)))
		default:
			b.WriteString(truncate(fmt.Sprint(v), 64))
		}
		b.WriteByte(')')
	}
	return b.String()
}

// Is reports whether target is ErrInvalidMessage.
func (e *ValidationError) Is(target error) bool { return target == ErrInvalidMessage }

// Unwrap returns Err.
func (e *ValidationError) Unwrap() error { return e.Err }

// truncate shortens s to at most n bytes on a rune boundary, marking the cut.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

package oapi

import "regexp"

// KnownDefect is an error of Meta's OpenAPI file that the loader does not
// patch: a place where the file rejects a body that the Cloud API accepts
// (or returns). Validation drops the violations it matches and counts them
// under ID; see [Spec.DefectsSeen].
type KnownDefect struct {
	// ID is a short, stable name, such as "LanguagePolicyRequired".
	ID string
	// Summary says in one line what the file gets wrong.
	Summary string
	// Match lists the violations the defect causes; matching any one is
	// enough.
	Match []Match
}

// Match describes violations by regular expressions on their fields. All
// must match; a nil Message matches any message.
type Match struct {
	Keyword  *regexp.Regexp // on Violation.KeywordLocation
	Instance *regexp.Regexp // on Violation.InstanceLocation
	Message  *regexp.Regexp // on Violation.Message
}

func (m Match) matches(v Violation) bool {
	return m.Keyword.MatchString(v.KeywordLocation) &&
		m.Instance.MatchString(v.InstanceLocation) &&
		(m.Message == nil || m.Message.MatchString(v.Message))
}

var re = regexp.MustCompile

// KnownDefects lists the errors of business-messaging-api_v23.0.yaml
// (facebook/openapi ecba623) that a correct body runs into, each checked
// against the file's text and against Meta's documentation as summarised in
// ../shared/platform/cloud-api-reference.md (cited as "reference §n").
// Matchers are deliberately narrow: they excuse the one wrong constraint,
// for the values the API is documented to accept, and nothing next to it.
//
// A violation of a oneOf that no alternative matches is first offered to
// these matchers as one summary, "matches none of the N oneOf alternatives:
// {key="value", key={…}}", so that a shape the file does not model at all
// can be excused as a whole (MarkReadNotModelled, OrderNotModelled...).
//
// Not listed, on purpose:
//   - MediaObject has no caption or filename property (NOTES.md item 3), but
//     it does not forbid other properties either, so captions and file names
//     validate; TestMediaCaptionAndFilename keeps that true.
//   - BaseMessageProperties requires type, which the docs make optional
//     (default text). A matcher cannot tell a text message without type from
//     another message without type, and the SDK always sends type.
//   - The webhook operation declares bearer auth (the real check is the
//     X-Hub-Signature-256 HMAC): not a body, nothing to validate.
var KnownDefects = []KnownDefect{
	// LanguageObject has required: [policy, code]. policy is optional in
	// practice (reference §3: "policy optional in practice"; 9 of the
	// file's own message examples leave it out). Only a missing policy is
	// excused; a missing code is still reported.
	{ID: "LanguagePolicyRequired", Summary: "template language.policy is marked required; it is optional",
		Match: []Match{{
			Keyword:  re(`^#/components/schemas/LanguageObject/required$`),
			Instance: re(`^/template/language$`),
			Message:  re(`^missing property 'policy'$`),
		}}},

	// BaseMessageProperties has required: [messaging_product,
	// recipient_type, to, type]. recipient_type is optional and defaults to
	// "individual" (reference §3); 6 of the file's examples omit it.
	{ID: "RecipientTypeRequired", Summary: "recipient_type is marked required; it defaults to individual",
		Match: []Match{{
			Keyword:  re(`^#/components/schemas/BaseMessageProperties/required$`),
			Instance: re(`^$`),
			Message:  re(`^missing property 'recipient_type'$`),
		}}},

	// TemplateComponent.index is {type: string, pattern: '^[2-6, 11-14]$'}:
	// a character class that accepts one character of 1-6, "," or " ", so "0"
	// (the first button) fails. Buttons are indexed "0".."9" (reference §3).
	// Meta's own examples, in this file and on the catalog template page,
	// also send the index as a JSON number (0), which the API accepts.
	{ID: "ButtonIndexPattern", Summary: "template button index has pattern ^[2-6, 11-14]$ and must be a string; docs use 0-9, also as numbers",
		Match: []Match{{
			Keyword:  re(`^#/components/schemas/TemplateComponent/properties/index/pattern$`),
			Instance: re(`^/template/components/\d+/index$`),
			Message:  re(`^'[0-9]' does not match pattern `),
		}, {
			Keyword:  re(`^#/components/schemas/TemplateComponent/properties/index/type$`),
			Instance: re(`^/template/components/\d+/index$`),
			Message:  re(`^got number, want string$`),
		}}},

	// TemplateComponent.sub_type has enum [quick_reply, url, catalog]. The
	// API also takes copy_code (coupon buttons), flow (the file's own "Send
	// Flow Template Message" example) and mpm (multi-product buttons), and
	// Meta's catalog template page and this file's example write CATALOG in
	// upper case (reference §3).
	{ID: "ButtonSubTypeEnum", Summary: "template button sub_type enum lacks copy_code, flow, mpm (and the upper-case CATALOG of Meta's examples)",
		Match: []Match{{
			Keyword:  re(`^#/components/schemas/TemplateComponent/properties/sub_type/enum$`),
			Instance: re(`^/template/components/\d+/sub_type$`),
			Message:  re(`\(got "(copy_code|flow|mpm|CATALOG)"\)$`),
		}}},

	// TemplateComponent.type has enum [header, body, button]. Templates
	// also have carousel and limited-time-offer components (reference §5.9:
	// "also CAROUSEL, LIMITED_TIME_OFFER"), sent as {"type": "carousel",
	// "cards": [...]} and {"type": "limited_time_offer", "parameters":
	// [...]}. The content of those components is unchecked.
	{ID: "TemplateComponentTypeEnum", Summary: "template component type enum lacks carousel and limited_time_offer",
		Match: []Match{{
			Keyword:  re(`^#/components/schemas/TemplateComponent/properties/type/enum$`),
			Instance: re(`^/template/components/\d+/type$`),
			Message:  re(`\(got "(carousel|limited_time_offer)"\)$`),
		}}},

	// LocationMessage.location.latitude and longitude are typed string,
	// with numeric examples (37.4847); the API takes numbers (reference §3),
	// as the file's own two location examples send.
	{ID: "LocationCoordinatesString", Summary: "outbound location latitude/longitude are typed string; they are numbers",
		Match: []Match{{
			Keyword:  re(`^#/components/schemas/LocationMessage/allOf/1/properties/location/properties/(latitude|longitude)/type$`),
			Instance: re(`^/location/(latitude|longitude)$`),
			Message:  re(`^got number, want string$`),
		}}},

	// ContactsMessage.contacts has maxItems 5; the docs allow up to 257
	// contacts in one message (reference §3). Only 6..257 is excused.
	{ID: "ContactsMaxItems", Summary: "contacts has maxItems 5; the API takes up to 257",
		Match: []Match{{
			Keyword:  re(`^#/components/schemas/ContactsMessage/allOf/1/properties/contacts/maxItems$`),
			Instance: re(`^/contacts$`),
			Message:  re(`^maxItems: got ([6-9]|[1-9]\d|1\d\d|2[0-4]\d|25[0-7]), want 5$`),
		}}},

	// PhoneObject.type (a phone of an outbound contact card) has enum
	// [HOME, WORK]. Meta's contacts-message page lists CELL, MAIN, IPHONE,
	// HOME and WORK as its standard values, and the file's own inbound
	// twin (ContactObject_1) describes "cell, mobile, main, iPhone, home,
	// work". Only CELL, MAIN and IPHONE are excused.
	{ID: "ContactPhoneTypeEnum", Summary: "contact phone type enum is HOME, WORK; CELL, MAIN and IPHONE are standard too",
		Match: []Match{{
			Keyword:  re(`^#/components/schemas/PhoneObject/properties/type/enum$`),
			Instance: re(`^/contacts/\d+/phones/\d+/type$`),
			Message:  re(`\(got "(CELL|MAIN|IPHONE)"\)$`),
		}}},

	// Interactive order_details (payments) and order_status messages exist
	// (reference §3, and the file's own "Send Order Details Message" and
	// "Send Order Status Message" examples), but InteractiveObject.type's
	// enum lacks them and no ActionObject alternative has the review_and_pay
	// or review_order action. Excused: those two type values, and an action
	// made of exactly that name and parameters (whose content is unchecked).
	{ID: "OrderNotModelled", Summary: "interactive order_details/order_status are not modelled",
		Match: []Match{{
			Keyword:  re(`^#/components/schemas/InteractiveObject/properties/type/enum$`),
			Instance: re(`^/interactive/type$`),
			Message:  re(`\(got "order_(details|status)"\)$`),
		}, {
			Keyword:  re(`^#/components/schemas/ActionObject/oneOf$`),
			Instance: re(`^/interactive/action$`),
			Message:  re(`^matches none of the \d+ oneOf alternatives: \{name="(review_and_pay|review_order)", parameters=\{…\}\}$`),
		}}},

	// InteractiveObject.type's enum is [button, call_permission_request,
	// catalog_message, list, product, product_list, flow]: no cta_url and no
	// location_request_message (reference §0.1 and §3), and ActionObject has
	// no alternative for their actions ({name: cta_url, parameters:
	// {display_text, url}} and {name: send_location}).
	{ID: "InteractiveTypeEnum", Summary: "interactive type enum lacks cta_url and location_request_message",
		Match: []Match{{
			Keyword:  re(`^#/components/schemas/InteractiveObject/properties/type/enum$`),
			Instance: re(`^/interactive/type$`),
			Message:  re(`\(got "(cta_url|location_request_message)"\)$`),
		}, {
			Keyword:  re(`^#/components/schemas/ActionObject/oneOf$`),
			Instance: re(`^/interactive/action$`),
			Message:  re(`^matches none of the \d+ oneOf alternatives: \{(name="cta_url", parameters=\{…\}|name="send_location")\}$`),
		}}},

	// POST /{Phone-Number-ID}/messages also marks messages read and shows
	// the typing indicator ({messaging_product, status: "read", message_id,
	// typing_indicator?}, reference §2, and the file's own "Send typing
	// indicator and read receipt" example), but its schema Message is a
	// oneOf of the 11 message types only. Excused: a body with exactly these
	// keys, messaging_product "whatsapp" and status "read".
	{ID: "MarkReadNotModelled", Summary: "the mark-read / typing-indicator body of POST /messages is not modelled",
		Match: []Match{{
			Keyword:  re(`^#/components/schemas/Message/oneOf$`),
			Instance: re(`^$`),
			Message:  re(`^matches none of the \d+ oneOf alternatives: \{message_id="[^"]+", messaging_product="whatsapp", status="read"(, typing_indicator=\{…\})?\}$`),
		}}},

	// The business profile description has maxLength 256 in
	// WhatsAppBusinessProfile, WhatsAppBusinessProfileUpdateRequest (the
	// body of POST /whatsapp_business_profile) and their _1/Node twins; the
	// docs allow 512 (reference §2). Only 257..512 is excused.
	{ID: "ProfileDescriptionMaxLength", Summary: "business profile description has maxLength 256; the API takes 512",
		Match: []Match{{
			Keyword:  re(`^#/components/schemas/WhatsAppBusinessProfile(UpdateRequest(_1)?|Node)?/properties/description/maxLength$`),
			Instance: re(`(^|/)description$`),
			Message:  re(`^maxLength: got (25[7-9]|2[6-9]\d|[34]\d\d|50\d|51[0-2]), want 256$`),
		}}},

	// MessageTemplate.status has enum [APPROVED, PENDING, REJECTED,
	// DISABLED]; the API returns also PAUSED, IN_APPEAL, PENDING_DELETION,
	// DELETED, LIMIT_EXCEEDED and ARCHIVED (reference §5.8). MessageTemplate
	// is used by GET /{WABA-ID} (fields=message_templates); the template
	// endpoints themselves type status as a plain string.
	{ID: "TemplateStatusEnum", Summary: "template status enum has 4 values; the API returns 10",
		Match: []Match{{
			Keyword:  re(`^#/components/schemas/MessageTemplate/properties/status/enum$`),
			Instance: re(`/status$`),
			Message:  re(`\(got "(PAUSED|IN_APPEAL|PENDING_DELETION|DELETED|LIMIT_EXCEEDED|ARCHIVED)"\)$`),
		}}},

	// QR code ids are 14 upper-case letters and digits (reference §2), but
	// every code property and the QR-Code-ID parameter have pattern
	// ^[A-Z2-7]{14}$ (base32), which the file's own examples break
	// ("ANED2T5QRU7HG1" has a 1). Only 14-character A-Z0-9 codes are
	// excused.
	{ID: "QrCodePattern", Summary: "QR code pattern ^[A-Z2-7]{14}$ rejects the digits 0, 1, 8, 9 that real codes contain",
		Match: []Match{{
			Keyword:  re(`/properties/code/pattern$`),
			Instance: re(`(^|/)code$`),
			Message:  re(`^'[A-Z0-9]{14}' does not match pattern '\^\[A-Z2-7\]\{14\}\$'$`),
		}}},

	// The body of POST /{Phone-Number-ID}/message_qrdls is oneOf
	// [CreateQrCodeRequest, UpdateQrCodeRequest], but the create schema
	// does not forbid code, so every valid update body matches both and
	// oneOf fails. Only "both matched" is excused: the body is then valid
	// against each.
	{ID: "QrCodeRequestOneOf", Summary: "QR create/update request oneOf is not exclusive: an update body matches both",
		Match: []Match{{
			Keyword:  re(`^#/paths/~1\{Version\}~1\{Phone-Number-ID\}~1message_qrdls/post/requestBody/content/application~1json/schema/oneOf$`),
			Instance: re(`^$`),
			Message:  re(`^'oneOf' failed, subschemas 0, 1 matched$`),
		}}},

	// WhatsAppBusinessAccountPhoneNumber (GET /{WABA-ID}/phone_numbers)
	// types status with WhatsAppPhoneNumberStatus (PENDING, LINKED,
	// UNLINKED, DELETED, MIGRATED, BANNED, RESTRICTED: no CONNECTED, the
	// status of every number that can send), quality_rating with
	// WhatsAppPhoneNumberQualityRating (GREEN, YELLOW, RED, NA) and
	// code_verification_status with WhatsAppCodeVerificationStatus
	// (VERIFIED, UNVERIFIED). The API returns status CONNECTED,
	// DISCONNECTED, FLAGGED, RATE_LIMITED, UNVERIFIED..., quality UNKNOWN
	// and NOT_VERIFIED or EXPIRED (reference §2, §5.7); the file's own
	// phone_numbers example returns UNKNOWN and NOT_VERIFIED. Better enums
	// exist beside them (WhatsAppAccountNumberStatus, the _1 twins): the
	// same merge collision as the webhook schemas.
	{ID: "PhoneNumberEnums", Summary: "phone number status, quality_rating and code_verification_status enums lack CONNECTED, UNKNOWN, NOT_VERIFIED...",
		Match: []Match{{
			Keyword:  re(`^#/components/schemas/WhatsAppPhoneNumberStatus/enum$`),
			Instance: re(`(^|/)status$`),
			Message:  re(`\(got "(CONNECTED|DISCONNECTED|FLAGGED|RATE_LIMITED|UNVERIFIED|UNKNOWN)"\)$`),
		}, {
			Keyword:  re(`(^#/components/schemas/WhatsAppPhoneNumberQualityRating|/properties/quality_rating)/enum$`),
			Instance: re(`(^|/)quality_rating$`),
			Message:  re(`\(got "UNKNOWN"\)$`),
		}, {
			Keyword:  re(`(^#/components/schemas/WhatsAppCodeVerificationStatus|/properties/code_verification_status)/enum$`),
			Instance: re(`(^|/)code_verification_status$`),
			Message:  re(`\(got "(NOT_VERIFIED|EXPIRED)"\)$`),
		}}},

	// Change.field has enum [messages, group_lifecycle_update,
	// group_settings_update, group_participant_update]. The webhook field is
	// group_participants_update (Meta's "Webhooks for Groups API" page, and
	// the file's own "Group Remove Participants" example), and
	// group_status_update exists too.
	{ID: "WebhookGroupFieldEnum", Summary: "webhook field enum says group_participant_update (it is group_participants_update) and lacks group_status_update",
		Match: []Match{{
			Keyword:  re(`^#/components/schemas/Change/properties/field/enum$`),
			Instance: re(`^/entry/\d+/changes/\d+/field$`),
			Message:  re(`\(got "(group_participants_update|group_status_update)"\)$`),
		}}},

	// Groups.timestamp is typed integer; group webhooks carry it as a string
	// of Unix seconds like every other timestamp inside a change value
	// (reference §6.3; Meta's groups webhook page and all three of the
	// file's own group examples).
	{ID: "WebhookGroupTimestamp", Summary: "group webhook timestamp is typed integer; it is a string",
		Match: []Match{{
			Keyword:  re(`^#/components/schemas/Groups/properties/timestamp/type$`),
			Instance: re(`^/entry/\d+/changes/\d+/value/groups/\d+/timestamp$`),
			Message:  re(`^got string, want integer$`),
		}}},

	// Statuses.status has enum [sent, delivered, read, failed]; a status
	// webhook also reports played, the first play of a voice message
	// (reference §6.6).
	{ID: "WebhookStatusPlayed", Summary: "webhook status enum lacks played",
		Match: []Match{{
			Keyword:  re(`^#/components/schemas/Statuses/properties/status/enum$`),
			Instance: re(`^/entry/\d+/changes/\d+/value/statuses/\d+/status$`),
			Message:  re(`\(got "played"\)$`),
		}}},
}

// matchDefect returns the ID of the first known defect v matches, or "".
func matchDefect(v Violation) string {
	for _, d := range KnownDefects {
		for _, m := range d.Match {
			if m.matches(v) {
				return d.ID
			}
		}
	}
	return ""
}

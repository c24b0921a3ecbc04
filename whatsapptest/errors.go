package whatsapptest

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/wacloud/whatsapp"
)

// apiError is an error the server answers with, in the Graph API's error
// envelope.
type apiError struct {
	code      int
	subcode   int
	status    int // HTTP status; 0 picks the code's usual status
	title     string
	details   string
	transient bool
}

// titles are the short titles the Cloud API puts in an error's message as
// "(#code) Title", for the codes the server produces itself. Other codes
// use the name from the library's error table.
var titles = map[int]string{
	1:      "An unknown error occurred",
	2:      "Service temporarily unavailable",
	100:    "Invalid parameter",
	190:    "Invalid OAuth access token",
	130429: "Rate limit hit",
	131000: "Something went wrong",
	131008: "Required parameter is missing",
	131009: "Parameter value is not valid",
	131026: "Message undeliverable",
	131047: "Re-engagement message",
	131053: "Media upload error",
	131056: "(Business Account, Consumer Account) pair rate limit hit",
	132000: "Number of parameters does not match the expected number of params",
	132001: "Template name does not exist in the translation",
	132012: "Parameter format does not match format in the created template",
	132015: "Template is paused",
	132016: "Template is disabled",
}

// title returns the title of code: the server's own, or the library's
// name for it, capitalised.
func title(code int) string {
	if t, ok := titles[code]; ok {
		return t
	}
	if c, ok := whatsapp.LookupErrorCode(code); ok && c.Name != "" {
		r, n := utf8.DecodeRuneInString(c.Name)
		return string(unicode.ToUpper(r)) + c.Name[n:]
	}
	return "Error " + strconv.Itoa(code)
}

// statusFor returns the HTTP status the Graph API uses with code: 401 for
// an invalid token, 403 for a missing permission, 5xx for the codes that
// mean a server-side problem, 400 for everything else (the Graph API
// answers rate limits with 400 too; the code is what tells them apart).
func statusFor(code int) int {
	switch {
	case code == 190 || code == 0:
		return http.StatusUnauthorized
	case code == 3 || code == 10 || code >= 200 && code <= 299 || code == 131005:
		return http.StatusForbidden
	case code == 1 || code == 131000:
		return http.StatusInternalServerError
	case code == 2 || code == 131016 || code == 133004:
		return http.StatusServiceUnavailable
	}
	return http.StatusBadRequest
}

// transientCode reports whether the platform marks code is_transient.
func transientCode(code int) bool {
	c, ok := whatsapp.LookupErrorCode(code)
	return ok && c.Retry == whatsapp.RetryBackoff
}

// appendError appends e's Graph envelope:
//
//	{"error":{"message":"(#131047) Re-engagement message","type":"OAuthException",
//	 "code":131047,"error_data":{"messaging_product":"whatsapp","details":"..."},
//	 "is_transient":false,"fbtrace_id":"..."}}
func appendError(b []byte, e *apiError, traceID string) []byte {
	t := e.title
	if t == "" {
		t = title(e.code)
	}
	b = append(b, `{"error":{"message":`...)
	b = appendString(b, "(#"+strconv.Itoa(e.code)+") "+t)
	b = append(b, `,"type":"OAuthException","code":`...)
	b = strconv.AppendInt(b, int64(e.code), 10)
	if e.subcode != 0 {
		b = append(b, `,"error_subcode":`...)
		b = strconv.AppendInt(b, int64(e.subcode), 10)
	}
	b = append(b, `,"error_data":{"messaging_product":"whatsapp","details":`...)
	details := e.details
	if details == "" {
		details = t
	}
	b = appendString(b, details)
	b = append(b, `},"is_transient":`...)
	b = strconv.AppendBool(b, e.transient || transientCode(e.code))
	b = append(b, `,"fbtrace_id":`...)
	b = appendString(b, traceID)
	return append(b, "}}"...)
}

// errorFromValidation maps a refusal by the library's own checks to the
// code the Cloud API gives that kind of problem:
//   - a missing member (text.body, to, a button's title, ...) is 131008,
//     "Required parameter is missing";
//   - an invalid value inside an interactive or template object (a button
//     title over 20 characters, two rows with one id, ...) is 131009,
//     "Parameter value is not valid", the code WhatsApp's own message
//     checks use;
//   - template parameters that do not fit the template are 132000 (count)
//     or 132012 (format);
//   - anything else the Graph API's parameter checks refuse (an over-long
//     text body, a malformed recipient, an unknown type) is 100, "Invalid
//     parameter".
func errorFromValidation(err error) *apiError {
	var ve *whatsapp.ValidationError
	if !errors.As(err, &ve) {
		return &apiError{code: 100, details: err.Error()}
	}
	details := ve.Field + ": " + ve.Reason
	if ve.Field == "" {
		details = ve.Reason
	}
	switch {
	case errors.Is(ve.Err, whatsapp.ErrTemplateParams):
		if strings.Contains(ve.Reason, "format") || strings.Contains(ve.Reason, "named") || strings.Contains(ve.Reason, "positional") {
			return &apiError{code: 132012, details: details}
		}
		return &apiError{code: 132000, details: details}
	case strings.HasPrefix(ve.Reason, "is required"), ve.Reason == "message has no content",
		ve.Reason == "must have at least one item", ve.Reason == "must not be empty":
		return &apiError{code: 131008, details: details}
	case strings.HasPrefix(ve.Field, "interactive"), strings.HasPrefix(ve.Field, "template"),
		strings.HasPrefix(ve.Field, "reaction"):
		return &apiError{code: 131009, details: details}
	}
	return &apiError{code: 100, details: details}
}

// appendString appends s as a JSON string, escaping what JSON requires
// (and no more: <, > and & stay as they are, as the Cloud API sends them).
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, `\u00`...)
				b = append(b, hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, `\u202`...)
			b = append(b, hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

const hexDigits = "0123456789abcdef"

package whatsapp

import (
	"math"
	"net/url"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// This file holds the small checks every validator shares. Lengths are
// counted in characters (Unicode code points), as the Cloud API documents
// them.

func invalid(field, reason string, value any) *ValidationError {
	return &ValidationError{Field: field, Reason: reason, Value: value}
}

// within puts err's field (if err is a *ValidationError) under prefix, so
// that validators can report relative paths and build the full path only
// when a check fails. It returns err (nil stays nil).
func within(prefix string, err error) error {
	ve, ok := err.(*ValidationError)
	if !ok || prefix == "" {
		return err
	}
	switch {
	case ve.Field == "":
		ve.Field = prefix
	case ve.Field[0] == '[':
		ve.Field = prefix + ve.Field
	default:
		ve.Field = prefix + "." + ve.Field
	}
	return err
}

func join(prefix, name string) string {
	if prefix == "" {
		return name
	}
	return prefix + "." + name
}

func index(prefix string, i int) string {
	return prefix + "[" + strconv.Itoa(i) + "]"
}

// checkText checks that s has between min and max characters. min 0 makes
// the field optional.
func checkText(field, s string, minLen, maxLen int) error {
	if s == "" {
		if minLen > 0 {
			return invalid(field, "is required", nil)
		}
		return nil
	}
	n := len(s)
	if n > maxLen { // only count runes when the byte length could be over
		n = utf8.RuneCountInString(s)
	}
	if n > maxLen {
		return invalid(field, "must be at most "+strconv.Itoa(maxLen)+" characters, has "+strconv.Itoa(n), s)
	}
	if n < minLen {
		return invalid(field, "must be at least "+strconv.Itoa(minLen)+" characters", s)
	}
	if !utf8.ValidString(s) {
		return invalid(field, "must be valid UTF-8", nil)
	}
	if strings.TrimSpace(s) == "" && minLen > 0 {
		return invalid(field, "must not be blank", s)
	}
	return nil
}

// checkID checks an opaque identifier: non-empty, at most max bytes, no
// whitespace or control characters.
func checkID(field, id string, maxLen int) error {
	if id == "" {
		return invalid(field, "is required", nil)
	}
	if len(id) > maxLen {
		return invalid(field, "must be at most "+strconv.Itoa(maxLen)+" characters", id)
	}
	for _, r := range id {
		if unicode.IsSpace(r) || unicode.IsControl(r) {
			return invalid(field, "must not contain spaces or control characters", id)
		}
	}
	return nil
}

// checkURL checks an absolute URL with one of the given schemes.
func checkURL(field, s string, maxLen int, schemes ...string) error {
	if s == "" {
		return invalid(field, "is required", nil)
	}
	if len(s) > maxLen {
		return invalid(field, "must be at most "+strconv.Itoa(maxLen)+" characters", s)
	}
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return invalid(field, "must be an absolute URL", s)
	}
	for _, sc := range schemes {
		if strings.EqualFold(u.Scheme, sc) {
			return nil
		}
	}
	return invalid(field, "must be a "+strings.Join(schemes, " or ")+" URL", s)
}

// checkRecipient checks a user recipient: a phone number in E.164 form (the
// '+' and the separators space, '-', '(' and ')' are accepted, as the API
// accepts them), or a business-scoped user ID such as
// "US.13491208655302741918".
func checkRecipient(field, to string) error {
	if to == "" {
		return invalid(field, "is required", nil)
	}
	if isBSUID(to) {
		return nil
	}
	digits := 0
	for i, r := range to {
		switch {
		case r >= '0' && r <= '9':
			if digits == 0 && r == '0' && strings.HasPrefix(to, "+") {
				return invalid(field, "country code must not start with 0", to)
			}
			digits++
		case r == '+' && i == 0:
		case r == ' ' || r == '-' || r == '(' || r == ')':
		default:
			return invalid(field, "must be a phone number in E.164 form, e.g. +15551234567", to)
		}
	}
	if digits < 7 || digits > 15 {
		return invalid(field, "must have 7 to 15 digits (E.164), has "+strconv.Itoa(digits), to)
	}
	return nil
}

// isBSUID reports whether s looks like a business-scoped user ID: a
// two-letter country code, a dot, then 1 to 128 letters and digits.
func isBSUID(s string) bool {
	if len(s) < 4 || len(s) > 131 || s[2] != '.' {
		return false
	}
	for i := 0; i < 2; i++ {
		if s[i] < 'A' || s[i] > 'Z' {
			return false
		}
	}
	for i := 3; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z') {
			return false
		}
	}
	return true
}

func checkCount(field string, n, minN, maxN int) error {
	if n < minN {
		if minN == 1 {
			return invalid(field, "must have at least one item", nil)
		}
		return invalid(field, "must have at least "+strconv.Itoa(minN)+" items, has "+strconv.Itoa(n), nil)
	}
	if n > maxN {
		return invalid(field, "must have at most "+strconv.Itoa(maxN)+" items, has "+strconv.Itoa(n), nil)
	}
	return nil
}

func checkFloat(field string, v, minV, maxV float64) error {
	if math.IsNaN(v) || math.IsInf(v, 0) || v < minV || v > maxV {
		return invalid(field, "must be between "+strconv.FormatFloat(minV, 'f', -1, 64)+" and "+strconv.FormatFloat(maxV, 'f', -1, 64), v)
	}
	return nil
}

func oneOf(field, v string, allowed ...string) error {
	for _, a := range allowed {
		if v == a {
			return nil
		}
	}
	return invalid(field, "must be one of "+strings.Join(allowed, ", "), v)
}

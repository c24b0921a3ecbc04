package whatsapp

import (
	"encoding/json"
	"errors"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

func TestCodeTableSortedAndDisjoint(t *testing.T) {
	prevLast := -1
	for i, c := range codeTable {
		last := max(c.Code, c.Last)
		if c.Code <= prevLast {
			t.Errorf("entry %d (code %d) is out of order or overlaps the previous entry", i, c.Code)
		}
		if c.Name == "" {
			t.Errorf("code %d has no name", c.Code)
		}
		prevLast = last
	}
}

// TestCodeTableMatchesReference reads the error table of the platform
// reference (section 7) and checks that every documented code is in our
// table with the documented retry class.
func TestCodeTableMatchesReference(t *testing.T) {
	doc := string(testSharedFile(t, "platform/cloud-api-reference.md"))
	start := strings.Index(doc, "## 7. Errors")
	end := strings.Index(doc, "## 8.")
	if start < 0 || end < start {
		t.Fatal("section 7 not found in the reference")
	}
	rowRE := regexp.MustCompile(`(?m)^\| ([0-9][0-9 ,/–-]*[0-9]) \| [^|]+ \| ([^|]+) \|`)
	rangeRE := regexp.MustCompile(`^(\d+)[–-](\d+)$`)
	rows := rowRE.FindAllStringSubmatch(doc[start:end], -1)
	if len(rows) < 70 {
		t.Fatalf("parsed only %d rows of the reference's error table", len(rows))
	}
	classOf := func(s string) RetryClass {
		s = strings.TrimSpace(s)
		switch {
		case strings.HasPrefix(s, "Y(limited"):
			return RetryLimited
		case strings.HasPrefix(s, "Y"):
			return RetryBackoff
		case strings.HasPrefix(s, "W"):
			return RetryAfterWait
		case strings.HasPrefix(s, "N"):
			return RetryNever
		case s == "—": // not documented: presence is checked, the class is ours
			return -1
		}
		t.Fatalf("unknown retry class %q", s)
		return 0
	}
	checked := 0
	for _, row := range rows {
		codesField, classField := row[1], strings.TrimSpace(row[2])
		var groups []string
		for _, g := range strings.Split(codesField, "/") {
			groups = append(groups, strings.TrimSpace(g))
		}
		// Per-code classes: "N / W(10 min) / N" or "N,N,W,Y".
		var classes []string
		if strings.Contains(classField, "/") {
			classes = strings.Split(classField, "/")
		} else if strings.Contains(classField, ",") {
			classes = strings.Split(classField, ",")
		}
		var codes []int
		for _, g := range groups {
			if m := rangeRE.FindStringSubmatch(g); m != nil {
				lo, _ := strconv.Atoi(m[1])
				hi, _ := strconv.Atoi(m[2])
				if len(classes) > 1 && hi-lo+1 != len(classes) {
					// A range sharing one class per sub-range is not in the doc.
					t.Fatalf("row %q: %d classes for range %d-%d", row[0], len(classes), lo, hi)
				}
				for c := lo; c <= hi; c++ {
					codes = append(codes, c)
				}
				continue
			}
			for _, f := range strings.Split(g, ",") {
				f = strings.TrimSpace(f)
				// "2388091/3" is shorthand for 2388091 and 2388093.
				if n := len(codes); n > 0 && len(f) < len(strconv.Itoa(codes[n-1]))-2 {
					prev := strconv.Itoa(codes[n-1])
					f = prev[:len(prev)-len(f)] + f
				}
				c, err := strconv.Atoi(f)
				if err != nil {
					t.Fatalf("row %q: bad code %q", row[0], f)
				}
				codes = append(codes, c)
			}
		}
		for i, code := range codes {
			want := classOf(classField)
			if len(classes) > 1 {
				want = classOf(classes[i])
			}
			if code == 200 && strings.Contains(codesField, "200–299") {
				want = RetryNever
			}
			got, ok := LookupErrorCode(code)
			if !ok {
				t.Errorf("code %d (reference row %q) missing from the table", code, strings.TrimSpace(row[0]))
				continue
			}
			if want >= 0 && got.Retry != want {
				t.Errorf("code %d: retry class %v, reference says %v (%s)", code, got.Retry, want, classField)
			}
			checked++
		}
	}
	t.Logf("checked %d codes against the reference", checked)
}

func TestSentinelCodes(t *testing.T) {
	for _, tc := range []struct {
		code int
		want error
	}{
		{131047, ErrWindowClosed}, {130429, ErrRateLimited}, {80007, ErrRateLimited}, {4, ErrRateLimited},
		{131056, ErrPairRateLimited}, {132000, ErrTemplateParams}, {132012, ErrTemplateParams},
		{132015, ErrTemplatePaused}, {132016, ErrTemplateDisabled}, {131050, ErrMarketingOptOut},
		{132001, ErrTemplateNotFound}, {131026, ErrUndeliverable}, {190, ErrUnauthorized}, {250, ErrPermission},
		{131049, ErrFrequencyCap}, {131048, ErrSpamRateLimited},
	} {
		err := error(&APIError{Code: tc.code, Message: "x"})
		if !errors.Is(err, tc.want) {
			t.Errorf("code %d does not match %v", tc.code, tc.want)
		}
		for _, other := range []error{ErrWindowClosed, ErrRateLimited, ErrTemplateParams, ErrMarketingOptOut} {
			if other != tc.want && errors.Is(err, other) {
				t.Errorf("code %d also matches %v", tc.code, other)
			}
		}
	}
	if errors.Is(&APIError{Code: 100, Message: "x"}, ErrInvalidMessage) {
		t.Error("an API 100 must not look like a local validation error")
	}
}

// TestWebhookErrorShape: the errors[] items of a failed status decode into
// an APIError matching the same sentinels as a synchronous error.
func TestWebhookErrorShape(t *testing.T) {
	var errs []*APIError
	payload := `[{"code":131047,"title":"Re-engagement message","message":"Re-engagement message","error_data":{"details":"Message failed to send because more than 24 hours have passed since the customer last replied to this number."},"href":"https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/"}]`
	if err := json.Unmarshal([]byte(payload), &errs); err != nil {
		t.Fatal(err)
	}
	e := errs[0]
	if e.Code != 131047 || e.Title != "Re-engagement message" || !strings.HasPrefix(e.Details, "Message failed") || e.Href == "" {
		t.Errorf("decoded %+v", *e)
	}
	if !errors.Is(e, ErrWindowClosed) {
		t.Error("webhook 131047 does not match ErrWindowClosed")
	}
	b, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	var back APIError
	if err := json.Unmarshal(b, &back); err != nil || back.Code != e.Code || back.Details != e.Details || back.Title != e.Title || back.Href != e.Href {
		t.Errorf("round trip: %+v, %v", back, err)
	}
	// Codes as strings and error_data as a plain string are tolerated.
	var odd APIError
	if err := json.Unmarshal([]byte(`{"code":"131056","error_data":"too fast"}`), &odd); err != nil || odd.Code != 131056 || odd.Details != "too fast" {
		t.Errorf("odd shape: %+v, %v", odd, err)
	}
}

func TestLookupErrorCode(t *testing.T) {
	for code, want := range map[int]string{138005: "calling error", 2388293: "too many template variables for the text length", 225: "API permission"} {
		c, ok := LookupErrorCode(code)
		if !ok || c.Name != want {
			t.Errorf("LookupErrorCode(%d) = %+v, %v", code, c, ok)
		}
	}
	for _, code := range []int{-1, 5, 131001, 99999999} {
		if _, ok := LookupErrorCode(code); ok {
			t.Errorf("LookupErrorCode(%d) found an entry", code)
		}
	}
	if n := len(ErrorCodes()); n != len(codeTable) {
		t.Errorf("ErrorCodes has %d entries", n)
	}
}

// TestAPIErrorKeepsUnknownMembers: a webhook error item re-encodes with the
// members this package does not model.
func TestAPIErrorKeepsUnknownMembers(t *testing.T) {
	in := `{"code":131049,"title":"t","message":"t","error_data":{"details":"d","retry_after":86400},"remediation":"wait","href":"https://example.com/e"}`
	var e APIError
	if err := json.Unmarshal([]byte(in), &e); err != nil {
		t.Fatal(err)
	}
	if e.Details != "d" || string(e.Extra["remediation"]) != `"wait"` {
		t.Errorf("decoded %+v", e)
	}
	out, err := json.Marshal(&e)
	if err != nil {
		t.Fatal(err)
	}
	testJSON(t, out, in)
	// The common shape stays as it was.
	var plain APIError
	json.Unmarshal([]byte(`{"code":131047,"title":"x","error_data":{"details":"y"}}`), &plain)
	if plain.Extra != nil || plain.ErrorData != nil {
		t.Errorf("plain error kept raw parts: %+v", plain)
	}
}

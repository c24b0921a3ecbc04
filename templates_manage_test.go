package whatsapp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/wacloud/whatsapp/internal/oapi"
)

const templatesWABA = "102290129340398"

// templatesListPages serves three pages of templates, chained by cursors,
// and records the queries it saw.
func templatesListPages(t *testing.T, mux *http.ServeMux, queries *[]url.Values) {
	t.Helper()
	pages := map[string]string{
		"": `{"data":[{"id":"1","name":"a","language":"en_US","status":"APPROVED","category":"UTILITY"},
			{"id":"2","name":"b","language":"en_US","status":"PAUSED","category":"MARKETING"}],
			"paging":{"cursors":{"before":"B1","after":"A1"},"next":"https://graph.example/next1"}}`,
		"A1": `{"data":[{"id":"3","name":"c","language":"pt_BR","status":"REJECTED","category":"MARKETING","rejected_reason":"PROMOTIONAL"}],
			"paging":{"cursors":{"before":"B2","after":"A2"},"next":"https://graph.example/next2","previous":"https://graph.example/prev"}}`,
		"A2": `{"data":[{"id":"4","name":"d","language":"es","status":"SOMETHING_NEW","category":"AUTHENTICATION"}],
			"paging":{"cursors":{"before":"B3","after":"A3"}},"summary":{"total_count":4,"message_template_count":4,"message_template_limit":250}}`,
	}
	mux.HandleFunc("/v23.0/"+templatesWABA+"/message_templates", func(w http.ResponseWriter, r *http.Request) {
		testMethod(t, r, http.MethodGet)
		*queries = append(*queries, r.URL.Query())
		body, ok := pages[r.URL.Query().Get("after")]
		if !ok {
			writeJSON(w, 400, `{"error":{"message":"bad cursor","type":"OAuthException","code":100}}`)
			return
		}
		writeJSON(w, 200, body)
	})
}

func TestListTemplatesThreePages(t *testing.T) {
	c, mux := testSetup(t)
	var queries []url.Values
	templatesListPages(t, mux, &queries)
	opts := &ListTemplatesOptions{Fields: []string{"name", "status"}, Limit: 2, Status: TemplateStatusApproved}
	var names []string
	for tpl, err := range c.ListTemplates(context.Background(), templatesWABA, opts) {
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, tpl.Name+"/"+string(tpl.Status))
	}
	want := []string{"a/APPROVED", "b/PAUSED", "c/REJECTED", "d/SOMETHING_NEW"}
	if diff := cmp.Diff(want, names); diff != "" {
		t.Errorf("templates (-want +got)\n%s", diff)
	}
	if len(queries) != 3 {
		t.Fatalf("requests = %d, want 3", len(queries))
	}
	for i, wantAfter := range []string{"", "A1", "A2"} {
		q := queries[i]
		if q.Get("after") != wantAfter || q.Get("fields") != "name,status" || q.Get("limit") != "2" || q.Get("status") != "APPROVED" {
			t.Errorf("query %d = %v", i, q)
		}
	}
	if opts.After != "" {
		t.Errorf("the caller's options were changed: After = %q", opts.After)
	}
}

func TestListTemplatesLazyAndStop(t *testing.T) {
	c, mux := testSetup(t)
	var queries []url.Values
	templatesListPages(t, mux, &queries)
	seq := c.ListTemplates(context.Background(), templatesWABA, nil)
	if len(queries) != 0 {
		t.Fatalf("ListTemplates called the API before iteration: %d requests", len(queries))
	}
	n := 0
	for _, err := range seq {
		if err != nil {
			t.Fatal(err)
		}
		if n++; n == 2 {
			break
		}
	}
	if len(queries) != 1 {
		t.Errorf("stopping after the first page's templates made %d requests, want 1", len(queries))
	}
	// Ranging again starts from the first page.
	queries = nil
	n = 0
	for range seq {
		n++
	}
	if n != 4 || len(queries) != 3 || queries[0].Get("after") != "" {
		t.Errorf("second range: %d templates, %d requests", n, len(queries))
	}
}

func TestListTemplatesErrorOnceAndStop(t *testing.T) {
	c, mux := testSetup(t)
	calls := 0
	mux.HandleFunc("/v23.0/"+templatesWABA+"/message_templates", func(w http.ResponseWriter, r *http.Request) {
		calls++
		if r.URL.Query().Get("after") == "" {
			writeJSON(w, 200, `{"data":[{"id":"1","name":"a"}],"paging":{"cursors":{"after":"A1"},"next":"x"}}`)
			return
		}
		writeJSON(w, 400, `{"error":{"message":"(#80007) Rate limit","type":"OAuthException","code":80007}}`)
	})
	var got []string
	var errs []error
	for tpl, err := range c.ListTemplates(context.Background(), templatesWABA, nil) {
		if err != nil {
			errs = append(errs, err)
			continue // the iterator must stop on its own
		}
		got = append(got, tpl.Name)
	}
	if len(got) != 1 || len(errs) != 1 || calls != 2 {
		t.Fatalf("templates %v, errors %v, calls %d", got, errs, calls)
	}
	var ae *APIError
	if !errors.As(errs[0], &ae) || ae.Code != 80007 || !errors.Is(errs[0], ErrRateLimited) {
		t.Errorf("err = %v, want the 80007 APIError", errs[0])
	}
}

func TestListTemplatesCursorLoop(t *testing.T) {
	c, mux := testSetup(t)
	calls := 0
	mux.HandleFunc("/v23.0/"+templatesWABA+"/message_templates", func(w http.ResponseWriter, r *http.Request) {
		calls++
		writeJSON(w, 200, `{"data":[{"id":"1","name":"a"}],"paging":{"cursors":{"after":"SAME"},"next":"x"}}`)
	})
	var err error
	for _, e := range c.ListTemplates(context.Background(), templatesWABA, nil) {
		if e != nil {
			err = e
		}
	}
	if err == nil || !strings.Contains(err.Error(), "twice") || calls != 2 {
		t.Errorf("err = %v after %d calls, want a repeated-cursor error after 2", err, calls)
	}
}

func TestListTemplatesBadWABA(t *testing.T) {
	c, _ := testSetup(t)
	n := 0
	for _, err := range c.ListTemplates(context.Background(), "../x", nil) {
		n++
		if !errors.Is(err, ErrInvalidMessage) {
			t.Errorf("err = %v, want a ValidationError", err)
		}
	}
	if n != 1 {
		t.Errorf("yielded %d times, want once", n)
	}
}

func TestListTemplatesPageQueryAndSummary(t *testing.T) {
	c, mux := testSetup(t)
	var got url.Values
	mux.HandleFunc("/v23.0/"+templatesWABA+"/message_templates", func(w http.ResponseWriter, r *http.Request) {
		got = r.URL.Query()
		writeJSON(w, 200, `{"data":[],"paging":{"cursors":{"before":"B","after":"A"},"next":"n","previous":"p"},
			"summary":{"total_count":7,"message_template_count":12,"message_template_limit":250,"are_translations_complete":true}}`)
	})
	since := time.Date(2025, 11, 1, 0, 0, 0, 0, time.UTC)
	page, err := c.ListTemplatesPage(context.Background(), templatesWABA, &ListTemplatesOptions{
		Fields: []string{"name", "components", "quality_score"}, Limit: 50, After: "AFT", Name: "order_update",
		Category: TemplateCategoryMarketing, Language: "en_US", QualityScore: TemplateQualityRed, Content: "sale",
		NameOrContent: "promo", Since: since, Until: since.Add(24 * time.Hour), Summary: []string{"total_count", "message_template_limit"},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := url.Values{
		"fields": {"name,components,quality_score"}, "limit": {"50"}, "after": {"AFT"}, "name": {"order_update"},
		"category": {"MARKETING"}, "language": {"en_US"}, "quality_score": {"RED"}, "content": {"sale"},
		"name_or_content": {"promo"}, "since": {"1761955200"}, "until": {"1762041600"}, "summary": {"total_count,message_template_limit"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("query (-want +got)\n%s", diff)
	}
	wantPage := &TemplatePage{Templates: []MessageTemplate{},
		Paging:  Paging{Cursors: Cursors{Before: "B", After: "A"}, Next: "n", Previous: "p"},
		Summary: &TemplateSummary{TotalCount: 7, MessageTemplateCount: 12, MessageTemplateLimit: 250, AreTranslationsComplete: true}}
	if diff := cmp.Diff(wantPage, page); diff != "" {
		t.Errorf("page (-want +got)\n%s", diff)
	}
}

// templatesFullJSON is a template as GET returns it, with a field and an
// enum value this package does not know.
const templatesFullJSON = `{
  "id": "920070352646140", "name": "order_ready", "language": "en_US", "status": "APPROVED",
  "category": "MARKETING", "previous_category": "ACCOUNT_UPDATE", "sub_category": "ORDER_STATUS",
  "parameter_format": "NAMED", "message_send_ttl_seconds": 3600, "rejected_reason": "NONE",
  "quality_score": {"score": "GREEN", "date": 1761955200, "reasons": ["low_block_rate"]},
  "components": [
    {"type": "HEADER", "format": "IMAGE", "example": {"header_handle": ["4::aW1n"], "header_url": ["https://x"]}},
    {"type": "BODY", "text": "Hi {{first_name}}, ready.", "example": {"body_text_named_params": [{"param_name": "first_name", "example": "Ana"}]}},
    {"type": "BUTTONS", "buttons": [
      {"type": "URL", "text": "Track", "url": "https://example.com/{{1}}", "example": ["https://example.com/1"]},
      {"type": "COPY_CODE", "example": "SAVE10"},
      {"type": "OTP", "otp_type": "ZERO_TAP", "supported_apps": [{"package_name": "com.example", "signature_hash": "K8a%2FAINcGX"}], "zero_tap_terms_accepted": true},
      {"type": "HOLOGRAM", "text": "Future", "beam_color": "blue"}
    ]},
    {"type": "LIMITED_TIME_OFFER", "limited_time_offer": {"text": "Ends soon", "has_expiration": true}},
    {"type": "CAROUSEL", "cards": [{"components": [{"type": "HEADER", "format": "VIDEO"}]}]},
    {"type": "NEW_COMPONENT", "shape": {"x": 1}}
  ],
  "brand_new_field": {"a": [1, 2]}
}`

func TestMessageTemplateJSON(t *testing.T) {
	var tpl MessageTemplate
	if err := json.Unmarshal([]byte(templatesFullJSON), &tpl); err != nil {
		t.Fatal(err)
	}
	if tpl.ID != "920070352646140" || tpl.Status != TemplateStatusApproved || tpl.Category != TemplateCategoryMarketing ||
		tpl.PreviousCategory != "ACCOUNT_UPDATE" || tpl.ParameterFormat != ParameterFormatNamed || tpl.MessageSendTTLSeconds != 3600 ||
		tpl.RejectedReason != RejectedNone || tpl.SubCategory != "ORDER_STATUS" {
		t.Errorf("scalar fields: %+v", tpl)
	}
	wantQ := TemplateQuality{Score: TemplateQualityGreen, Date: time.Unix(1761955200, 0).UTC(), Reasons: []string{"low_block_rate"}}
	if diff := cmp.Diff(wantQ, tpl.QualityScore); diff != "" {
		t.Errorf("quality (-want +got)\n%s", diff)
	}
	if string(tpl.Extra["brand_new_field"]) != `{"a": [1, 2]}` {
		t.Errorf("unknown top-level field not kept: %q", tpl.Extra)
	}
	btns := tpl.Components[2].Buttons
	if got := btns[1].Example; len(got) != 1 || got[0] != "SAVE10" {
		t.Errorf("COPY_CODE example = %q", got)
	}
	if btns[2].OTPType != OTPZeroTap || !btns[2].ZeroTapTermsAccepted || btns[2].SupportedApps[0].PackageName != "com.example" {
		t.Errorf("OTP button = %+v", btns[2])
	}
	if btns[3].Type != "HOLOGRAM" || string(btns[3].Extra["beam_color"]) != `"blue"` {
		t.Errorf("unknown button = %+v", btns[3])
	}
	if string(tpl.Components[0].Example.Extra["header_url"]) != `["https://x"]` {
		t.Errorf("unknown example field not kept: %+v", tpl.Components[0].Example)
	}
	if o := tpl.Components[3].LimitedTimeOffer; o == nil || o.Text != "Ends soon" || !o.HasExpiration {
		t.Errorf("offer = %+v", o)
	}
	if c := tpl.Components[4]; len(c.Cards) != 1 || c.Cards[0].Components[0].Format != HeaderFormatVideo {
		t.Errorf("carousel = %+v", c)
	}
	if c := tpl.Components[5]; c.Type != "NEW_COMPONENT" || string(c.Extra["shape"]) != `{"x": 1}` {
		t.Errorf("unknown component = %+v", c)
	}
	// Encoding gives back the same document.
	b, err := json.Marshal(tpl)
	if err != nil {
		t.Fatal(err)
	}
	testJSON(t, b, templatesFullJSON)
}

func TestMessageTemplateNumericID(t *testing.T) {
	var tpl MessageTemplate
	if err := json.Unmarshal([]byte(`{"id":1689556908129832,"name":"x"}`), &tpl); err != nil {
		t.Fatal(err)
	}
	if tpl.ID != "1689556908129832" {
		t.Errorf("ID = %q", tpl.ID)
	}
}

func TestGetTemplate(t *testing.T) {
	c, mux := testSetup(t)
	mux.HandleFunc("/v23.0/920070352646140", func(w http.ResponseWriter, r *http.Request) {
		testMethod(t, r, http.MethodGet)
		if got := r.URL.Query().Get("fields"); got != "name,status,quality_score" {
			t.Errorf("fields = %q", got)
		}
		writeJSON(w, 200, templatesFullJSON)
	})
	tpl, err := c.GetTemplate(context.Background(), "920070352646140", "name", "status", "quality_score")
	if err != nil {
		t.Fatal(err)
	}
	if tpl.Name != "order_ready" || tpl.QualityScore.Score != TemplateQualityGreen {
		t.Errorf("template = %+v", tpl)
	}
	if _, err := c.GetTemplate(context.Background(), "a/b"); !errors.Is(err, ErrInvalidMessage) {
		t.Errorf("bad id: err = %v", err)
	}
}

// templatesCreateCases are the create requests checked against golden
// files: one per kind of component.
func templatesCreateCases() map[string]MessageTemplate {
	named := templatesNamed()
	named.Language = "en-US" // sent normalised
	named.AllowCategoryChange = true
	named.Extra = map[string]json.RawMessage{"library_template_button_inputs": json.RawMessage(`[{"type":"URL"}]`)}
	doc := MessageTemplate{Name: "order_confirmation", Language: "en_US", Category: TemplateCategoryUtility, MessageSendTTLSeconds: 3600,
		Components: []MessageTemplateComponent{
			{Type: HeaderComponent, Format: HeaderFormatDocument, Example: TemplateExample{HeaderHandle: []string{"4::YXBwbGljYXRpb24vcGRm"}}},
			{Type: BodyComponent, Text: "Thank you {{1}}! Your order number is {{2}}.", Example: TemplateExample{BodyText: [][]string{{"Mark", "860198"}}}},
			{Type: ButtonsComponent, Buttons: []MessageTemplateButton{
				{Type: ButtonTypePhoneNumber, Text: "Call", PhoneNumber: "+15550100"},
				{Type: ButtonTypeURL, Text: "Contact Support", URL: "https://www.example.com/support"},
			}},
		}}
	loc := MessageTemplate{Name: "order_delivery_update", Language: "en_US", Category: TemplateCategoryUtility,
		Components: []MessageTemplateComponent{
			{Type: HeaderComponent, Format: HeaderFormatLocation},
			{Type: BodyComponent, Text: "Good news {{1}}! Your order #{{2}} is on its way.", Example: TemplateExample{BodyText: [][]string{{"Mark", "566701"}}}},
			{Type: FooterComponent, Text: "To stop updates, tap the button below."},
			{Type: ButtonsComponent, Buttons: []MessageTemplateButton{{Type: ButtonTypeQuickReply, Text: "Stop Delivery Updates"}}},
		}}
	auth := templatesAuth()
	oneTap := templatesAuth()
	oneTap.Name = "login_code_one_tap"
	oneTap.Components[2].Buttons[0] = MessageTemplateButton{Type: ButtonTypeOTP, OTPType: OTPOneTap, Text: "Copy Code",
		AutofillText: "Autofill", PackageName: "com.example.app", SignatureHash: "K8a%2FAINcG"}
	zeroTap := templatesAuth()
	zeroTap.Name = "login_code_zero_tap"
	zeroTap.Components[2].Buttons[0] = MessageTemplateButton{Type: ButtonTypeOTP, OTPType: OTPZeroTap, ZeroTapTermsAccepted: true,
		SupportedApps: []OTPSupportedApp{{"com.example.app", "K8a%2FAINcG"}}}
	flow := MessageTemplate{Name: "booking_flow", Language: "en_US", Category: TemplateCategoryMarketing,
		Components: []MessageTemplateComponent{
			{Type: BodyComponent, Text: "Book your next visit with us today."},
			{Type: ButtonsComponent, Buttons: []MessageTemplateButton{{Type: ButtonTypeFlow, Text: "Book now", FlowID: "1234567890", FlowAction: "navigate", NavigateScreen: "WELCOME_SCREEN"}}},
		}}
	catalog := MessageTemplate{Name: "catalog_promo", Language: "en_US", Category: TemplateCategoryMarketing,
		Components: []MessageTemplateComponent{
			{Type: BodyComponent, Text: "Now shop for your favourite products right here on WhatsApp!"},
			{Type: FooterComponent, Text: "Best grocery deals on WhatsApp!"},
			{Type: ButtonsComponent, Buttons: []MessageTemplateButton{{Type: ButtonTypeCatalog, Text: "View catalog"}}},
		}}
	mpm := MessageTemplate{Name: "abandoned_cart", Language: "en_US", Category: TemplateCategoryMarketing,
		Components: []MessageTemplateComponent{
			{Type: HeaderComponent, Format: HeaderFormatText, Text: "Forget something {{1}}?", Example: TemplateExample{HeaderText: []string{"Pablo"}}},
			{Type: BodyComponent, Text: "Use code {{1}} for 10% off your cart.", Example: TemplateExample{BodyText: [][]string{{"10OFF"}}}},
			{Type: ButtonsComponent, Buttons: []MessageTemplateButton{{Type: ButtonTypeMPM, Text: "View items"}}},
		}}
	lto := MessageTemplate{Name: "flash_sale", Language: "en_US", Category: TemplateCategoryMarketing,
		Components: []MessageTemplateComponent{
			{Type: HeaderComponent, Format: HeaderFormatImage, Example: TemplateExample{HeaderHandle: []string{"4::aW1hZ2U="}}},
			{Type: LimitedTimeOfferComponent, LimitedTimeOffer: &LimitedTimeOffer{Text: "Expiring offer!", HasExpiration: true}},
			{Type: BodyComponent, Text: "Good news, {{1}}! Use code {{2}} to get 25% off.", Example: TemplateExample{BodyText: [][]string{{"Pablo", "CARIBE25"}}}},
			{Type: ButtonsComponent, Buttons: []MessageTemplateButton{
				{Type: ButtonTypeCopyCode, Example: []string{"CARIBE25"}},
				{Type: ButtonTypeURL, Text: "Book now!", URL: "https://example.com/offer?code={{1}}", Example: []string{"https://example.com/offer?code=n3mtql"}},
			}},
		}}
	return map[string]MessageTemplate{
		"text_header_url_phone": templatesValid(), "named_image": named, "document": doc, "location": loc,
		"auth_copy_code": auth, "auth_one_tap": oneTap, "auth_zero_tap": zeroTap, "flow": flow,
		"catalog": catalog, "mpm": mpm, "limited_time_offer": lto, "carousel": templatesCarousel(),
	}
}

func TestCreateTemplateGolden(t *testing.T) {
	for name, tpl := range templatesCreateCases() {
		t.Run(name, func(t *testing.T) {
			c, mux := testSetup(t)
			var body []byte
			mux.HandleFunc("/v23.0/"+templatesWABA+"/message_templates", func(w http.ResponseWriter, r *http.Request) {
				testMethod(t, r, http.MethodPost)
				if ct := r.Header.Get("Content-Type"); ct != "application/json" {
					t.Errorf("Content-Type = %q", ct)
				}
				body, _ = io.ReadAll(r.Body)
				writeJSON(w, 200, `{"id":"1689556908129832","status":"PENDING","category":"`+string(tpl.Category)+`"}`)
			})
			got, err := c.CreateTemplate(context.Background(), templatesWABA, tpl)
			if err != nil {
				t.Fatal(err)
			}
			if got.ID != "1689556908129832" || got.Status != TemplateStatusPending || got.Category != tpl.Category {
				t.Errorf("result = %+v", got)
			}
			testGolden(t, "templates/create_"+name+".json", body)
			var m map[string]any
			if err := json.Unmarshal(body, &m); err != nil {
				t.Fatal(err)
			}
			for _, out := range []string{"id", "status", "quality_score", "rejected_reason", "previous_category"} {
				if _, ok := m[out]; ok {
					t.Errorf("output field %q sent on create", out)
				}
			}
			if m["language"] != NormalizeLanguage(tpl.Language) {
				t.Errorf("language sent = %v", m["language"])
			}
		})
	}
}

func TestCreateTemplateRefusedLocally(t *testing.T) {
	c, mux := testSetup(t)
	var calls atomic.Int32
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { calls.Add(1) })
	bad := templatesValid()
	bad.Components[1].Text = "{{1}}{{2}} is the start"
	_, err := c.CreateTemplate(context.Background(), templatesWABA, bad)
	checkTemplatesErr(t, err, "template.variable.adjacent", ErrTemplateContent)
	err = c.EditTemplate(context.Background(), "920070352646140", bad)
	checkTemplatesErr(t, err, "template.variable.adjacent", ErrTemplateContent)
	if _, err := c.CreateTemplate(context.Background(), "", templatesValid()); !errors.Is(err, ErrInvalidMessage) {
		t.Errorf("empty WABA: err = %v", err)
	}
	if n := calls.Load(); n != 0 {
		t.Errorf("%d requests reached the server", n)
	}
}

func TestCreateTemplateAPIErrors(t *testing.T) {
	tests := []struct {
		code    int
		target  error
		content bool
	}{
		{2388019, nil, false},
		{2388039, nil, false},
		{2388040, ErrTemplateContent, true},
		{2388047, ErrTemplateContent, true},
		{2388072, ErrTemplateContent, true},
		{2388073, ErrTemplateContent, true},
		{2388293, ErrTemplateContent, true},
		{2388299, ErrTemplateContent, true},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.code), func(t *testing.T) {
			c, mux := testSetup(t)
			mux.HandleFunc("/v23.0/"+templatesWABA+"/message_templates", func(w http.ResponseWriter, r *http.Request) {
				writeJSON(w, 400, fmt.Sprintf(`{"error":{"message":"Invalid parameter","type":"OAuthException","code":100,
					"error_subcode":%d,"error_user_title":"Template rule","error_user_msg":"details","fbtrace_id":"AbC"}}`, tt.code))
			})
			mux.HandleFunc("/v23.0/920070352646140", func(w http.ResponseWriter, r *http.Request) {
				writeJSON(w, 400, fmt.Sprintf(`{"error":{"message":"(#%d) rule","type":"OAuthException","code":%d,"fbtrace_id":"AbC"}}`, tt.code, tt.code))
			})
			// Meta reports these codes as the error code on edit, and as a
			// subcode of 100 on some create answers; the code path is the
			// one the table maps.
			err := c.EditTemplate(context.Background(), "920070352646140", templatesValid())
			var ae *APIError
			if !errors.As(err, &ae) || ae.Code != tt.code || ae.HTTPStatus != 400 {
				t.Fatalf("err = %v, want an APIError with code %d", err, tt.code)
			}
			entry, ok := LookupErrorCode(tt.code)
			if !ok || entry.Name == "" {
				t.Fatalf("code %d not in the table", tt.code)
			}
			if ae.RetryClass() == RetryBackoff {
				t.Errorf("code %d classed as retryable with backoff", tt.code)
			}
			if tt.target != nil && !errors.Is(err, tt.target) {
				t.Errorf("err does not match %v", tt.target)
			}
			if !tt.content && errors.Is(err, ErrTemplateContent) {
				t.Errorf("code %d matches ErrTemplateContent", tt.code)
			}
			if errors.Is(err, ErrInvalidMessage) {
				t.Errorf("an API error matches ErrInvalidMessage")
			}
			_, err = c.CreateTemplate(context.Background(), templatesWABA, templatesValid())
			if !errors.As(err, &ae) || ae.Code != 100 || ae.Subcode != tt.code {
				t.Errorf("create: err = %v, want code 100 subcode %d", err, tt.code)
			}
		})
	}
}

func TestEditTemplate(t *testing.T) {
	c, mux := testSetup(t)
	mux.HandleFunc("/v23.0/920070352646140", func(w http.ResponseWriter, r *http.Request) {
		testMethod(t, r, http.MethodPost)
		b, _ := io.ReadAll(r.Body)
		testGolden(t, "templates/edit.json", b)
		writeJSON(w, 200, `{"success":true}`)
	})
	tpl := templatesValid()
	tpl.ID, tpl.Status = "920070352646140", TemplateStatusRejected // output fields are not sent
	tpl.MessageSendTTLSeconds = 600
	if err := c.EditTemplate(context.Background(), "920070352646140", tpl); err != nil {
		t.Fatal(err)
	}

	c2, mux2 := testSetup(t)
	mux2.HandleFunc("/v23.0/1", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, `{"success":false}`) })
	if err := c2.EditTemplate(context.Background(), "1", templatesValid()); err == nil {
		t.Error("success=false not reported")
	}
}

func TestDeleteTemplates(t *testing.T) {
	tests := []struct {
		name string
		call func(*Client) error
		want url.Values
	}{
		{"by name", func(c *Client) error { return c.DeleteTemplate(context.Background(), templatesWABA, "order_update") },
			url.Values{"name": {"order_update"}}},
		{"by id", func(c *Client) error {
			return c.DeleteTemplateByID(context.Background(), templatesWABA, "920070352646140", "order_update")
		}, url.Values{"hsm_id": {"920070352646140"}, "name": {"order_update"}}},
		{"by ids", func(c *Client) error {
			return c.DeleteTemplatesByID(context.Background(), templatesWABA, []string{"1", "2", "3"})
		}, url.Values{"hsm_ids": {`["1","2","3"]`}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, mux := testSetup(t)
			mux.HandleFunc("/v23.0/"+templatesWABA+"/message_templates", func(w http.ResponseWriter, r *http.Request) {
				testMethod(t, r, http.MethodDelete)
				if diff := cmp.Diff(tt.want, r.URL.Query()); diff != "" {
					t.Errorf("query (-want +got)\n%s", diff)
				}
				writeJSON(w, 200, `{"success":true}`)
			})
			if err := tt.call(c); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestDeleteTemplatesRefusedLocally(t *testing.T) {
	c, mux := testSetup(t)
	var calls atomic.Int32
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { calls.Add(1) })
	ids := func(n int) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = fmt.Sprint(1000 + i)
		}
		return out
	}
	ctx := context.Background()
	for name, err := range map[string]error{
		"no ids":          c.DeleteTemplatesByID(ctx, templatesWABA, nil),
		"101 ids":         c.DeleteTemplatesByID(ctx, templatesWABA, ids(101)),
		"duplicate id":    c.DeleteTemplatesByID(ctx, templatesWABA, []string{"1", "2", "1"}),
		"empty id":        c.DeleteTemplatesByID(ctx, templatesWABA, []string{"1", ""}),
		"bad name":        c.DeleteTemplate(ctx, templatesWABA, "Bad Name"),
		"bad WABA":        c.DeleteTemplate(ctx, "..", "ok"),
		"by id, no name":  c.DeleteTemplateByID(ctx, templatesWABA, "1", ""),
		"by id, space id": c.DeleteTemplateByID(ctx, templatesWABA, "1 2", "ok"),
	} {
		if !errors.Is(err, ErrInvalidMessage) {
			t.Errorf("%s: err = %v, want a ValidationError", name, err)
		}
	}
	if n := calls.Load(); n != 0 {
		t.Errorf("%d requests reached the server", n)
	}
	// 100 ids is the documented maximum.
	c2, mux2 := testSetup(t)
	mux2.HandleFunc("/v23.0/"+templatesWABA+"/message_templates", func(w http.ResponseWriter, r *http.Request) {
		var got []string
		if err := json.Unmarshal([]byte(r.URL.Query().Get("hsm_ids")), &got); err != nil || len(got) != 100 {
			t.Errorf("hsm_ids = %q", r.URL.Query().Get("hsm_ids"))
		}
		writeJSON(w, 200, `{"success":true}`)
	})
	if err := c2.DeleteTemplatesByID(ctx, templatesWABA, ids(100)); err != nil {
		t.Errorf("100 ids: %v", err)
	}
}

// TestTemplateBodiesAgainstOpenAPI checks the golden create and edit
// requests, a list response and sends built by MessageTemplate.Build
// against Meta's OpenAPI description.
func TestTemplateBodiesAgainstOpenAPI(t *testing.T) {
	spec := oapi.Load(t)
	createPath := "/v23.0/" + templatesWABA + "/message_templates"
	files, err := filepath.Glob(filepath.Join("testdata", "templates", "create_*.json"))
	if err != nil || len(files) < 12 {
		t.Fatalf("golden create requests: %d files, %v", len(files), err)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		spec.CheckRequest(t, http.MethodPost, createPath, b)
	}
	edit, err := os.ReadFile(filepath.Join("testdata", "templates", "edit.json"))
	if err != nil {
		t.Fatal(err)
	}
	spec.CheckRequestOp(t, "editTemplate", edit)
	spec.CheckResponse(t, http.MethodGet, createPath, 200,
		`{"data":[{"id":"1","name":"a","language":"en_US","status":"APPROVED","category":"UTILITY","components":[{"type":"BODY","text":"Hi {{1}}, bye."}]}],"paging":{"cursors":{"before":"B","after":"A"}}}`)

	// Sends built from definitions.
	img := ImageParameter(Image{ID: "1234"})
	for name, build := range map[string]func() (Template, error){
		"positional": func() (Template, error) {
			def := templatesTicket()
			return def.Build(TemplateValues{HeaderText: "#1", Body: []string{"#4512", "25 November"}, URLSuffix: map[int]string{0: "4512"}})
		},
		"named": func() (Template, error) {
			def := templatesNamed()
			return def.Build(TemplateValues{Named: map[string]string{"first_name": "Ana", "order_id": "42"}, HeaderMedia: &img})
		},
		"authentication": func() (Template, error) {
			def := templatesAuth()
			return def.Build(TemplateValues{Code: "318249"})
		},
	} {
		tpl, err := build()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		b, err := json.Marshal(Message{To: "+15551234567", Content: tpl})
		if err != nil {
			t.Fatal(err)
		}
		spec.CheckRequest(t, http.MethodPost, "/v23.0/1055/messages", b)
	}

	// Bodies the spec must refuse, so this test can fail.
	if err := spec.ValidateRequest(http.MethodPost, createPath, `{"name":"x","language":"en_US","category":"UTILITY","components":"BODY"}`); err == nil {
		t.Error("the spec accepted components as a string")
	}
	if err := spec.ValidateRequest(http.MethodPost, createPath, `{"name":7,"language":"en_US","category":"UTILITY","components":[]}`); err == nil {
		t.Error("the spec accepted a numeric name")
	}
}

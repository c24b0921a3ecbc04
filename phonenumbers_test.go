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
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/wacloud/whatsapp/internal/oapi"
)

// mgmtTestCase is one call of a management endpoint: what the client must
// send, what the server answers, and what the call must return.
type mgmtTestCase struct {
	name   string
	method string
	path   string     // API path under the version, e.g. "/v23.0/1055/register"
	query  url.Values // expected query (exact); nil means none
	body   string     // expected JSON body; "" means no body
	// op is the OpenAPI operation id the body is checked against; ""
	// means the operation is found by method and path.
	op     string
	status int    // default 200
	resp   string // response body
	call   func(context.Context, *Client) (any, error)
	want   any // expected result; nil to skip the comparison
}

// mediaTestFixture reads testdata/media/name.
func mediaTestFixture(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "media", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// mediaTestSpec returns Meta's OpenAPI description, or nil when it is not
// available (outside CI), so that a test can still run its other checks.
func mediaTestSpec(t testing.TB) *oapi.Spec {
	t.Helper()
	if _, err := os.Stat(filepath.Join("..", "shared", "openapi")); err == nil || os.Getenv("CI") != "" || os.Getenv("WHATSAPP_SHARED_DIR") != "" {
		return oapi.Load(t)
	}
	t.Log("../shared/openapi not found: requests are not checked against Meta's OpenAPI file")
	return nil
}

// runMgmtTests runs each case against a fresh httptest server, checking
// method, path, query and body (by value, and against Meta's OpenAPI file
// when it is available), then the result.
func runMgmtTests(t *testing.T, tests []mgmtTestCase) {
	t.Helper()
	spec := mediaTestSpec(t)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, mux := testSetup(t)
			called := false
			mux.HandleFunc(tc.path, func(w http.ResponseWriter, r *http.Request) {
				called = true
				testMethod(t, r, tc.method)
				if r.URL.Path != tc.path {
					t.Errorf("path = %q, want %q", r.URL.Path, tc.path)
				}
				if got := r.URL.Query(); !cmp.Equal(url.Values(got), tc.query, cmpopts.EquateEmpty()) {
					t.Errorf("query = %v, want %v", got, tc.query)
				}
				b, err := io.ReadAll(r.Body)
				if err != nil {
					t.Fatal(err)
				}
				switch {
				case tc.body == "" && len(b) > 0:
					t.Errorf("body = %s, want none", b)
				case tc.body != "":
					if ct := r.Header.Get("Content-Type"); ct != "application/json" {
						t.Errorf("Content-Type = %q", ct)
					}
					testJSON(t, b, tc.body)
					if spec != nil {
						if tc.op != "" {
							spec.CheckRequestOp(t, tc.op, b)
						} else {
							spec.CheckRequest(t, tc.method, tc.path, b)
						}
					}
				}
				status := tc.status
				if status == 0 {
					status = 200
				}
				writeJSON(w, status, tc.resp)
			})
			got, err := tc.call(context.Background(), c)
			if !called {
				t.Fatalf("no request reached %s (err %v)", tc.path, err)
			}
			if err != nil {
				t.Fatalf("err = %v", err)
			}
			if tc.want != nil {
				if diff := cmp.Diff(tc.want, got, cmpopts.IgnoreFields(PhoneNumber{}, "Raw"),
					cmpopts.IgnoreFields(BusinessProfile{}, "Raw"), cmpopts.IgnoreFields(SubscribedApp{}, "Raw"),
					cmpopts.EquateEmpty()); diff != "" {
					t.Errorf("result mismatch (-want +got):\n%s", diff)
				}
			}
		})
	}
}

// mgmtTestNoRequest checks that a call fails locally with a
// *ValidationError on field, without any request.
func mgmtTestNoRequest(t *testing.T, field string, call func(context.Context, *Client) error) {
	t.Helper()
	c, mux := testSetup(t)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("request sent despite invalid input: %s %s", r.Method, r.URL)
	})
	err := call(context.Background(), c)
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("err = %v (%T), want *ValidationError", err, err)
	}
	if ve.Field != field {
		t.Errorf("Field = %q, want %q (%v)", ve.Field, field, err)
	}
}

func TestPhoneNumberEndpoints(t *testing.T) {
	var pn PhoneNumber
	if err := json.Unmarshal([]byte(mediaTestFixture(t, "phone_number.json")), &pn); err != nil {
		t.Fatal(err)
	}
	runMgmtTests(t, []mgmtTestCase{
		{
			name: "get with fields", method: "GET", path: "/v23.0/106540352242922",
			query: url.Values{"fields": {"quality_rating,throughput,whatsapp_business_manager_messaging_limit"}},
			resp:  mediaTestFixture(t, "phone_number.json"),
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.GetPhoneNumber(ctx, "106540352242922", "quality_rating", "throughput", "whatsapp_business_manager_messaging_limit")
			},
			want: &PhoneNumber{
				ID: "106540352242922", DisplayPhoneNumber: "+1 555-010-0000", VerifiedName: "Jasper's Market",
				QualityRating: QualityGreen, Status: PhoneConnected, CodeVerificationStatus: CodeVerified,
				NameStatus: NameApproved, NewNameStatus: NameNone, PlatformType: PlatformCloudAPI,
				Throughput: PhoneNumberThroughput{Level: "STANDARD"}, MessagingLimit: "TIER_2K",
				AccountMode: AccountModeLive, IsOfficialBusinessAccount: true, IsPinEnabled: true,
				SearchVisibility: "VISIBLE", WebhookConfiguration: &WebhookConfiguration{Application: "https://example.com/webhook"},
				HealthStatus: json.RawMessage(`{"can_send_message": "AVAILABLE", "entities": []}`),
			},
		},
		{
			name: "get with default fields", method: "GET", path: "/v23.0/1055",
			resp: `{"id":"1055","display_phone_number":"+1 555-010-0000","quality_rating":"NA","verified_name":"Test"}`,
			call: func(ctx context.Context, c *Client) (any, error) { return c.GetPhoneNumber(ctx, "1055") },
			want: &PhoneNumber{ID: "1055", DisplayPhoneNumber: "+1 555-010-0000", QualityRating: "NA", VerifiedName: "Test"},
		},
		{
			name: "list one page", method: "GET", path: "/v23.0/102290129340398/phone_numbers",
			query: url.Values{"fields": {"id,status"}, "limit": {"2"}, "after": {"QVFI"},
				"filtering": {`[{"field":"account_mode","operator":"EQUAL","value":"SANDBOX"}]`}},
			resp: `{"data":[{"id":"1","status":"CONNECTED"},{"id":"2","status":"SOMETHING_NEW"}],
				"paging":{"cursors":{"before":"QVFA","after":"QVFJ"},"next":"https://graph.facebook.com/v23.0/102290129340398/phone_numbers?after=QVFJ"}}`,
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.ListPhoneNumbersPage(ctx, "102290129340398", &ListPhoneNumbersOptions{
					Fields: []string{"id", "status"}, Limit: 2, After: "QVFI",
					Filtering: []PhoneNumberFilter{{Field: "account_mode", Operator: "EQUAL", Value: "SANDBOX"}},
				})
			},
			want: &PhoneNumberPage{
				PhoneNumbers: []PhoneNumber{{ID: "1", Status: PhoneConnected}, {ID: "2", Status: "SOMETHING_NEW"}},
				Paging: Paging{Cursors: Cursors{Before: "QVFA", After: "QVFJ"},
					Next: "https://graph.facebook.com/v23.0/102290129340398/phone_numbers?after=QVFJ"},
			},
		},
		{
			name: "register", method: "POST", path: "/v23.0/1055/register",
			body: `{"messaging_product":"whatsapp","pin":"123456"}`, resp: `{"success":true}`,
			call: func(ctx context.Context, c *Client) (any, error) {
				return nil, c.RegisterPhoneNumber(ctx, "1055", "123456", nil)
			},
		},
		{
			name: "register with local storage", method: "POST", path: "/v23.0/1055/register",
			body: `{"messaging_product":"whatsapp","pin":"000000","data_localization_region":"DE"}`, resp: `{"success":true}`,
			call: func(ctx context.Context, c *Client) (any, error) {
				return nil, c.RegisterPhoneNumber(ctx, "1055", "000000", &RegisterOptions{DataLocalizationRegion: "DE"})
			},
		},
		{
			name: "deregister", method: "POST", path: "/v23.0/1055/deregister", resp: `{"success":true}`,
			call: func(ctx context.Context, c *Client) (any, error) { return nil, c.DeregisterPhoneNumber(ctx, "1055") },
		},
		{
			name: "request code by SMS", method: "POST", path: "/v23.0/1055/request_code",
			body: `{"code_method":"SMS","language":"en_US"}`, resp: `{"success":true}`,
			call: func(ctx context.Context, c *Client) (any, error) {
				return nil, c.RequestVerificationCode(ctx, "1055", CodeMethodSMS, "en_US")
			},
		},
		{
			name: "request code by voice", method: "POST", path: "/v23.0/1055/request_code",
			body: `{"code_method":"VOICE","language":"pt_BR"}`, resp: `{"success":true}`,
			call: func(ctx context.Context, c *Client) (any, error) {
				return nil, c.RequestVerificationCode(ctx, "1055", CodeMethodVoice, "pt_BR")
			},
		},
		{
			name: "verify code", method: "POST", path: "/v23.0/1055/verify_code",
			body: `{"code":"654321"}`, resp: `{"success":true,"id":"1055"}`,
			call: func(ctx context.Context, c *Client) (any, error) { return nil, c.VerifyCode(ctx, "1055", "654321") },
		},
		{
			name: "set two-step PIN", method: "POST", path: "/v23.0/1055", op: "updatePhoneNumberStatus",
			body: `{"pin":"987654"}`, resp: `{"success":true}`,
			call: func(ctx context.Context, c *Client) (any, error) { return nil, c.SetTwoStepPIN(ctx, "1055", "987654") },
		},
	})
	// Unknown fields are kept in Raw.
	if !strings.Contains(string(pn.Raw), `"future_field"`) {
		t.Errorf("Raw lost the unknown field: %s", pn.Raw)
	}
}

func TestPhoneNumberLocalErrors(t *testing.T) {
	tests := []struct {
		name  string
		field string
		call  func(context.Context, *Client) error
	}{
		{"PIN of 5 digits", "pin", func(ctx context.Context, c *Client) error { return c.RegisterPhoneNumber(ctx, "1055", "12345", nil) }},
		{"PIN of 7 digits", "pin", func(ctx context.Context, c *Client) error { return c.RegisterPhoneNumber(ctx, "1055", "1234567", nil) }},
		{"PIN with a letter", "pin", func(ctx context.Context, c *Client) error { return c.RegisterPhoneNumber(ctx, "1055", "12345a", nil) }},
		{"PIN with full-width digits", "pin", func(ctx context.Context, c *Client) error { return c.SetTwoStepPIN(ctx, "1055", "１２３４５６") }},
		{"empty PIN", "pin", func(ctx context.Context, c *Client) error { return c.SetTwoStepPIN(ctx, "1055", "") }},
		{"unknown region", "data_localization_region", func(ctx context.Context, c *Client) error {
			return c.RegisterPhoneNumber(ctx, "1055", "123456", &RegisterOptions{DataLocalizationRegion: "US"})
		}},
		{"lower-case region", "data_localization_region", func(ctx context.Context, c *Client) error {
			return c.RegisterPhoneNumber(ctx, "1055", "123456", &RegisterOptions{DataLocalizationRegion: "de"})
		}},
		{"code with dash", "code", func(ctx context.Context, c *Client) error { return c.VerifyCode(ctx, "1055", "123-456") }},
		{"code too short", "code", func(ctx context.Context, c *Client) error { return c.VerifyCode(ctx, "1055", "1234") }},
		{"code method", "code_method", func(ctx context.Context, c *Client) error {
			return c.RequestVerificationCode(ctx, "1055", "EMAIL", "en_US")
		}},
		{"language with hyphen", "language", func(ctx context.Context, c *Client) error {
			return c.RequestVerificationCode(ctx, "1055", CodeMethodSMS, "en-US")
		}},
		{"no language", "language", func(ctx context.Context, c *Client) error {
			return c.RequestVerificationCode(ctx, "1055", CodeMethodSMS, "")
		}},
		{"phone number id with slash", "phone_number_id", func(ctx context.Context, c *Client) error {
			_, err := c.GetPhoneNumber(ctx, "1055/register")
			return err
		}},
		{"empty waba id", "waba_id", func(ctx context.Context, c *Client) error {
			_, err := c.ListPhoneNumbersPage(ctx, "", nil)
			return err
		}},
		{"dot-dot deregister", "phone_number_id", func(ctx context.Context, c *Client) error { return c.DeregisterPhoneNumber(ctx, "..") }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { mgmtTestNoRequest(t, tc.field, tc.call) })
	}
	// The PIN never appears in the error.
	c, _ := testSetup(t)
	if err := c.SetTwoStepPIN(context.Background(), "1055", "98765x"); err == nil || strings.Contains(err.Error(), "98765") {
		t.Errorf("error %v echoes the PIN", err)
	}
}

// TestDataLocalizationRegions checks the set against the reference's
// section 2.
func TestDataLocalizationRegions(t *testing.T) {
	want := strings.Fields("AU ID IN JP SG KR DE CH GB BR BH ZA AE CA")
	if diff := cmp.Diff(want, DataLocalizationRegions(), cmpopts.SortSlices(func(a, b string) bool { return a < b })); diff != "" {
		t.Errorf("regions (-want +got):\n%s", diff)
	}
}

// mediaTestPager serves a list at path in pages of the given items,
// following the after cursor, and records the cursors it was asked for.
func mediaTestPager(t *testing.T, mux *http.ServeMux, path string, pages [][]string, wantQuery url.Values) *[]string {
	t.Helper()
	var asked []string
	mux.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) {
		testMethod(t, r, http.MethodGet)
		q := r.URL.Query()
		for k, v := range wantQuery {
			if !cmp.Equal(q[k], v) {
				t.Errorf("query %s = %v, want %v", k, q[k], v)
			}
		}
		if q.Get("before") != "" {
			t.Errorf("before cursor sent while paging forward: %v", q)
		}
		after := q.Get("after")
		asked = append(asked, after)
		i := 0
		if after != "" {
			fmt.Sscanf(after, "page%d", &i)
		}
		if i >= len(pages) {
			writeJSON(w, 400, `{"error":{"code":100,"message":"bad cursor"}}`)
			return
		}
		paging := fmt.Sprintf(`{"cursors":{"before":"b%d","after":"page%d"}}`, i, i+1)
		if i+1 < len(pages) {
			paging = fmt.Sprintf(`{"cursors":{"before":"b%d","after":"page%d"},"next":"https://graph.facebook.com/next"}`, i, i+1)
		}
		writeJSON(w, 200, fmt.Sprintf(`{"data":[%s],"paging":%s}`, strings.Join(pages[i], ","), paging))
	})
	return &asked
}

func TestListPhoneNumbersIterator(t *testing.T) {
	c, mux := testSetup(t)
	asked := mediaTestPager(t, mux, "/v23.0/77/phone_numbers", [][]string{
		{`{"id":"1"}`, `{"id":"2"}`}, {`{"id":"3"}`}, {`{"id":"4"}`, `{"id":"5"}`},
	}, url.Values{"limit": {"2"}, "fields": {"id"}})
	opts := &ListPhoneNumbersOptions{Limit: 2, Fields: []string{"id"}}
	var ids []string
	for p, err := range c.ListPhoneNumbers(context.Background(), "77", opts) {
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, p.ID)
	}
	if want := []string{"1", "2", "3", "4", "5"}; !cmp.Equal(ids, want) {
		t.Errorf("ids = %v, want %v", ids, want)
	}
	if want := []string{"", "page1", "page2"}; !cmp.Equal(*asked, want) {
		t.Errorf("cursors asked = %q, want %q", *asked, want)
	}
	if opts.After != "" {
		t.Error("the caller's options were modified")
	}

	// Stopping early fetches no further page.
	*asked = nil
	for p, err := range c.ListPhoneNumbers(context.Background(), "77", &ListPhoneNumbersOptions{Limit: 2, Fields: []string{"id"}}) {
		if err != nil || p.ID == "2" {
			break
		}
	}
	if len(*asked) != 1 {
		t.Errorf("pages fetched after break = %d, want 1", len(*asked))
	}
}

func TestListPhoneNumbersIteratorErrors(t *testing.T) {
	t.Run("API error is yielded once", func(t *testing.T) {
		c, mux := testSetup(t)
		mux.HandleFunc("/v23.0/77/phone_numbers", func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Query().Get("after") == "" {
				writeJSON(w, 200, `{"data":[{"id":"1"}],"paging":{"cursors":{"after":"x"},"next":"n"}}`)
				return
			}
			writeJSON(w, 403, `{"error":{"code":200,"type":"OAuthException","message":"Permissions error"}}`)
		})
		var n, errs int
		for _, err := range c.ListPhoneNumbers(context.Background(), "77", nil) {
			if err != nil {
				errs++
				if !errors.Is(err, ErrPermission) {
					t.Errorf("err = %v, want ErrPermission", err)
				}
				continue
			}
			n++
		}
		if n != 1 || errs != 1 {
			t.Errorf("items %d errors %d, want 1 and 1", n, errs)
		}
	})
	t.Run("repeated cursor stops", func(t *testing.T) {
		c, mux := testSetup(t)
		calls := 0
		mux.HandleFunc("/v23.0/77/phone_numbers", func(w http.ResponseWriter, r *http.Request) {
			calls++
			writeJSON(w, 200, `{"data":[{"id":"1"}],"paging":{"cursors":{"after":"same"},"next":"n"}}`)
		})
		var err error
		for _, e := range c.ListPhoneNumbers(context.Background(), "77", nil) {
			if e != nil {
				err = e
			}
		}
		if err == nil || !strings.Contains(err.Error(), "twice") || calls != 2 {
			t.Errorf("err = %v after %d calls", err, calls)
		}
	})
	t.Run("bad id", func(t *testing.T) {
		c, _ := testSetup(t)
		for _, err := range c.ListPhoneNumbers(context.Background(), "a/b", nil) {
			if !errors.Is(err, ErrInvalidMessage) {
				t.Errorf("err = %v", err)
			}
		}
	})
}

// TestMgmtBodiesSpecCanFail shows that the OpenAPI checks of runMgmtTests
// bite: bodies that break the file's schemas are refused.
func TestMgmtBodiesSpecCanFail(t *testing.T) {
	spec := oapi.Load(t)
	bad := []struct{ method, path, body string }{
		{"POST", "/v23.0/1055/register", `{"messaging_product":"whatsapp","pin":"12"}`},
		{"POST", "/v23.0/1055/request_code", `{"code_method":"EMAIL","language":"en_US"}`},
		{"POST", "/v23.0/1055/message_qrdls", `{"prefilled_message":"hi","generate_qr_image":"JPEG"}`},
		{"POST", "/v23.0/1055/whatsapp_business_profile", `{"messaging_product":"whatsapp","vertical":"SPACESHIPS"}`},
	}
	for _, b := range bad {
		if err := spec.ValidateRequest(b.method, b.path, b.body); err == nil {
			t.Errorf("%s %s accepted %s", b.method, b.path, b.body)
		}
	}
}

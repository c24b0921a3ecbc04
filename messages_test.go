package whatsapp

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/wacloud/whatsapp/internal/oapi"
)

const testTo = "+15551234567"

// goldenMessages is one message of every kind the Cloud API sends, each
// with its golden request body in testdata/requests/<name>.json.
var goldenMessages = []struct {
	name string
	msg  Message
}{
	{"text", Message{To: testTo, Content: Text{Body: "Your order #1234 has shipped: https://example.com/t/1234", PreviewURL: true}}},
	{"text_reply", Message{To: testTo, ReplyTo: "wamid.HBgLMTU1NTEyMzQ1NjcVAgARGBI", CallbackData: "ticket=4512", Content: Text{Body: "Thanks, <Ana> & team!"}}},
	{"image_id", Message{To: testTo, Content: Image{ID: "1479537139650973", Caption: "Your receipt"}}},
	{"image_link", Message{To: testTo, Content: Image{Link: "https://example.com/img/receipt.png"}}},
	{"video", Message{To: testTo, Content: Video{Link: "https://example.com/v/demo.mp4", Caption: "Demo"}}},
	{"audio_voice", Message{To: testTo, Content: Audio{ID: "1013859600285441", Voice: true}}},
	{"document", Message{To: testTo, Content: Document{Link: "https://example.com/invoice-4512.pdf", Caption: "Invoice", Filename: "invoice-4512.pdf"}}},
	{"sticker", Message{To: testTo, Content: Sticker{ID: "798882015472548"}}},
	{"location", Message{To: testTo, Content: Location{Latitude: 37.44216251868683, Longitude: -122.16153582049394, Name: "Philz Coffee", Address: "101 Forest Ave, Palo Alto, CA 94301"}}},
	{"contacts", Message{To: testTo, Content: Contacts{{
		Name:      ContactName{FormattedName: "Ana Lima", FirstName: "Ana", LastName: "Lima"},
		Phones:    []ContactPhone{{Phone: "+15550001111", Type: "CELL", WaID: "15550001111"}},
		Emails:    []ContactEmail{{Email: "ana@example.com", Type: "WORK"}},
		Addresses: []ContactAddress{{Street: "1 Main St", City: "Menlo Park", State: "CA", Zip: "94025", Country: "United States", CountryCode: "US", Type: "WORK"}},
		Org:       ContactOrg{Company: "Example Inc", Department: "Support", Title: "Lead"},
		URLs:      []ContactURL{{URL: "https://example.com", Type: "WORK"}},
		Birthday:  "1990-04-12",
	}}}},
	{"reaction", Message{To: testTo, Content: Reaction{MessageID: "wamid.HBgLMTU1NTEyMzQ1NjcVAgARGBI", Emoji: "👍"}}},
	{"reaction_remove", Message{To: testTo, Content: Reaction{MessageID: "wamid.HBgLMTU1NTEyMzQ1NjcVAgARGBI"}}},
	{"interactive_buttons", Message{To: testTo, Content: Interactive{
		Header: &InteractiveHeader{Text: "Welcome"},
		Body:   "How can we help you today?",
		Footer: "Reply any time",
		Action: ReplyButtons{{ID: "sales", Title: "Talk to sales"}, {ID: "support", Title: "Support"}, {ID: "demo", Title: "Try the demo"}},
	}}},
	{"interactive_buttons_image", Message{To: testTo, Content: Interactive{
		Header: &InteractiveHeader{Image: &Image{Link: "https://example.com/menu.png"}},
		Body:   "Today's menu",
		Action: ReplyButtons{{ID: "order", Title: "Order"}},
	}}},
	{"interactive_list", Message{To: testTo, Content: Interactive{
		Header: &InteractiveHeader{Text: "Shipping"},
		Body:   "Choose a delivery option",
		Footer: "Prices include tax",
		Action: List{Button: "Options", Sections: []ListSection{
			{Title: "Standard", Rows: []ListRow{{ID: "std", Title: "Standard", Description: "3 to 5 days"}}},
			{Title: "Fast", Rows: []ListRow{{ID: "exp", Title: "Express", Description: "Next day"}, {ID: "same", Title: "Same day"}}},
		}},
	}}},
	{"interactive_cta_url", Message{To: testTo, Content: Interactive{
		Body:   "Track your parcel",
		Action: CTAURL{DisplayText: "Track", URL: "https://example.com/track?id=4512"},
	}}},
	{"interactive_location_request", Message{To: testTo, Content: Interactive{
		Body:   "Where should we deliver?",
		Action: LocationRequest{},
	}}},
	{"interactive_flow", Message{To: testTo, Content: Interactive{
		Header: &InteractiveHeader{Text: "Book a table"},
		Body:   "Pick a date and time",
		Action: Flow{FlowID: "1234567890", CTA: "Book now", Token: "flow-token-1", Screen: "DATE", Data: map[string]any{"party": 2}},
	}}},
	{"interactive_product", Message{To: testTo, Content: Interactive{
		Body:   "Back in stock",
		Action: Product{CatalogID: "194836987003835", ProductRetailerID: "sku-123"},
	}}},
	{"interactive_product_list", Message{To: testTo, Content: Interactive{
		Header: &InteractiveHeader{Text: "Our bestsellers"},
		Body:   "Picked for you",
		Action: ProductList{CatalogID: "194836987003835", Sections: []ProductListSection{
			{Title: "Coffee", ProductItems: []ProductListItemID{{"sku-1"}, {"sku-2"}}},
			{Title: "Tea", ProductItems: []ProductListItemID{{"sku-3"}}},
		}},
	}}},
	{"interactive_catalog", Message{To: testTo, Content: Interactive{
		Body:   "Browse our catalog",
		Action: Catalog{ThumbnailProductRetailerID: "sku-1"},
	}}},
	{"template_positional", Message{To: testTo, Content: Template{Name: "ticket_update", Language: "en_US", Components: []TemplateComponent{
		BodyParameters(TextParameter("#4512"), TextParameter("25 November")),
	}}}},
	{"template_named", Message{To: testTo, Content: Template{Name: "order_confirmation", Language: "en_US", Components: []TemplateComponent{
		HeaderParameters(ImageParameter(Image{ID: "1479537139650973"})),
		BodyParameters(
			NamedTextParameter("first_name", "Jessica"),
			TemplateParameter{Type: "currency", Name: "total", Currency: &Currency{FallbackValue: "$100.99", Code: "USD", Amount1000: 100990}},
			TemplateParameter{Type: "date_time", Name: "delivery", DateTime: &DateTime{FallbackValue: "February 25, 1977"}},
		),
		QuickReplyButton(0, "CONFIRM"),
		URLButton(1, "order/123"),
		CopyCodeButton(2, "SAVE10"),
	}}}},
	{"template_media_headers", Message{To: testTo, Content: Template{Name: "shipping_label", Language: "pt_BR", Components: []TemplateComponent{
		HeaderParameters(DocumentParameter(Document{Link: "https://example.com/label.pdf", Filename: "label.pdf"})),
	}}}},
	{"template_location_header", Message{To: testTo, Content: Template{Name: "store_pickup", Language: "en", Components: []TemplateComponent{
		HeaderParameters(LocationParameter(Location{Latitude: 37.48, Longitude: -122.15, Name: "Store", Address: "1 Hacker Way"})),
		BodyParameters(TextParameter("Ana")),
	}}}},
	{"template_video_header", Message{To: testTo, Content: Template{Name: "product_launch", Language: "en_GB", Components: []TemplateComponent{
		HeaderParameters(VideoParameter(Video{ID: "1166845881849580"})),
	}}}},
	{"template_flow_button", Message{To: testTo, Content: Template{Name: "book_table", Language: "en_US", Components: []TemplateComponent{
		FlowButton(0, "flow-token-2", map[string]any{"source": "template"}),
	}}}},
	{"template_carousel", Message{To: testTo, Content: Template{Name: "summer_carousel", Language: "en_US", Components: []TemplateComponent{
		BodyParameters(TextParameter("Ana")),
		{Type: ComponentCarousel, Cards: []TemplateCard{
			{CardIndex: 0, Components: []TemplateComponent{HeaderParameters(ImageParameter(Image{ID: "111"})), QuickReplyButton(0, "more-0")}},
			{CardIndex: 1, Components: []TemplateComponent{HeaderParameters(ImageParameter(Image{ID: "222"})), URLButton(1, "p/2")}},
		}},
	}}}},
	{"template_limited_time_offer", Message{To: testTo, Content: Template{Name: "flash_sale", Language: "en_US", Components: []TemplateComponent{
		{Type: ComponentLimitedTimeOffer, Parameters: []TemplateParameter{{Type: "limited_time_offer", Offer: &OfferExpiration{ExpirationTimeMS: 1767225600000}}}},
		CopyCodeButton(0, "FLASH25"),
	}}}},
	{"group_text", Message{To: "120363025000000001", RecipientType: "group", Content: Text{Body: "Standup in 5"}}},
}

func TestMessageGoldenBodies(t *testing.T) {
	for _, tc := range goldenMessages {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.msg.Validate(); err != nil {
				t.Fatalf("Validate: %v", err)
			}
			got, err := json.Marshal(tc.msg)
			if err != nil {
				t.Fatalf("Marshal: %v", err)
			}
			testGolden(t, "requests/"+tc.name+".json", got)
		})
	}
}

// TestSendBodies sends every golden message through the client and checks
// the body that reached the server, the path and the headers.
func TestSendBodies(t *testing.T) {
	client, mux := testSetup(t)
	var got atomic.Value
	mux.HandleFunc("/v23.0/1055/messages", func(w http.ResponseWriter, r *http.Request) {
		testMethod(t, r, http.MethodPost)
		if h := r.Header.Get("Authorization"); h != "Bearer test-token" {
			t.Errorf("Authorization = %q", h)
		}
		if ct := r.Header.Get("Content-Type"); ct != "application/json" {
			t.Errorf("Content-Type = %q", ct)
		}
		if ua := r.Header.Get("User-Agent"); !strings.HasPrefix(ua, "wacloud-whatsapp-go/") {
			t.Errorf("User-Agent = %q", ua)
		}
		b, _ := io.ReadAll(r.Body)
		got.Store(b)
		writeJSON(w, 200, `{"messaging_product":"whatsapp","contacts":[{"input":"+15551234567","wa_id":"15551234567"}],"messages":[{"id":"wamid.OUT1","message_status":"accepted"}]}`)
	})
	for _, tc := range goldenMessages {
		t.Run(tc.name, func(t *testing.T) {
			res, err := client.Send(context.Background(), "1055", tc.msg)
			if err != nil {
				t.Fatalf("Send: %v", err)
			}
			want := SendResult{MessageID: "wamid.OUT1", WaID: "15551234567", Input: testTo, MessageStatus: "accepted"}
			if *res != want {
				t.Errorf("result = %+v, want %+v", *res, want)
			}
			testGolden(t, "requests/"+tc.name+".json", got.Load().([]byte))
		})
	}
}

func TestSendRawContent(t *testing.T) {
	m := Message{To: testTo, Content: RawContent{Type: "order_details", Body: json.RawMessage(`{"reference_id": "r1"}`)}}
	if err := m.Validate(); err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	testJSON(t, b, `{"messaging_product":"whatsapp","recipient_type":"individual","to":"+15551234567","type":"order_details","order_details":{"reference_id":"r1"}}`)

	bad := Message{To: testTo, Content: RawContent{Type: "x", Body: json.RawMessage(`{`)}}
	if err := bad.Validate(); !errors.Is(err, ErrInvalidMessage) {
		t.Errorf("invalid raw JSON: err = %v", err)
	}
}

func TestMarkReadAndTyping(t *testing.T) {
	client, mux := testSetup(t)
	var bodies []string
	mux.HandleFunc("/v23.0/1055/messages", func(w http.ResponseWriter, r *http.Request) {
		testMethod(t, r, http.MethodPost)
		b, _ := io.ReadAll(r.Body)
		bodies = append(bodies, string(b))
		writeJSON(w, 200, `{"success":true}`)
	})
	ctx := context.Background()
	if err := client.MarkRead(ctx, "1055", "wamid.IN1"); err != nil {
		t.Fatal(err)
	}
	if err := client.SendTypingIndicator(ctx, "1055", "wamid.IN2"); err != nil {
		t.Fatal(err)
	}
	if len(bodies) != 2 {
		t.Fatalf("got %d requests, want 2", len(bodies))
	}
	testJSON(t, []byte(bodies[0]), `{"messaging_product":"whatsapp","status":"read","message_id":"wamid.IN1"}`)
	testJSON(t, []byte(bodies[1]), `{"messaging_product":"whatsapp","status":"read","message_id":"wamid.IN2","typing_indicator":{"type":"text"}}`)

	if err := client.MarkRead(ctx, "1055", ""); !errors.Is(err, ErrInvalidMessage) {
		t.Errorf("empty message id: err = %v", err)
	}
}

func TestMarkReadSuccessFalse(t *testing.T) {
	client, mux := testSetup(t)
	mux.HandleFunc("/v23.0/1055/messages", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, `{"success":false}`)
	})
	if err := client.MarkRead(context.Background(), "1055", "wamid.IN1"); err == nil {
		t.Fatal("success=false must be an error")
	}
}

// TestSendValidatesBeforeHTTP: an invalid message or phone number id never
// reaches the network.
func TestSendValidatesBeforeHTTP(t *testing.T) {
	client, mux := testSetup(t)
	var calls atomic.Int32
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		writeJSON(w, 200, `{}`)
	})
	ctx := context.Background()
	cases := []struct {
		pnid string
		m    Message
	}{
		{"1055", Message{To: testTo}},
		{"1055", Message{To: "", Content: Text{Body: "x"}}},
		{"1055", Message{To: testTo, Content: Text{}}},
		{"1055", Message{To: testTo, Content: Interactive{}}},
		{"1055", Message{To: testTo, Content: Template{}}},
		{"", Message{To: testTo, Content: Text{Body: "x"}}},
		{"../1055", Message{To: testTo, Content: Text{Body: "x"}}},
		{"10/55", Message{To: testTo, Content: Text{Body: "x"}}},
		{"..", Message{To: testTo, Content: Text{Body: "x"}}},
		{"1055?x=1", Message{To: testTo, Content: Text{Body: "x"}}},
	}
	for _, tc := range cases {
		_, err := client.Send(ctx, tc.pnid, tc.m)
		var ve *ValidationError
		if !errors.As(err, &ve) || !errors.Is(err, ErrInvalidMessage) {
			t.Errorf("Send(%q, %+v): err = %v, want *ValidationError", tc.pnid, tc.m, err)
		}
	}
	if n := calls.Load(); n != 0 {
		t.Errorf("%d HTTP calls for invalid input, want 0", n)
	}
}

func TestNilAndEmptyContentDoNotPanic(t *testing.T) {
	var nilMsg *Message
	if err := nilMsg.Validate(); err == nil {
		t.Error("nil message validated")
	}
	contents := []Content{
		Text{}, Image{}, Video{}, Audio{}, Document{}, Sticker{}, Location{Latitude: 91}, Contacts(nil), Contacts{{}},
		Reaction{}, Interactive{}, Interactive{Action: ReplyButtons(nil)}, Interactive{Action: List{}},
		Interactive{Action: CTAURL{}}, Interactive{Action: Flow{}}, Interactive{Action: Product{}},
		Interactive{Action: ProductList{}}, Interactive{Header: &InteractiveHeader{}, Action: ReplyButtons{{}}},
		Template{}, Template{Name: "x", Language: "en", Components: []TemplateComponent{{}}},
		Template{Name: "x", Language: "en", Components: []TemplateComponent{{Type: "body", Parameters: []TemplateParameter{{}}}}},
		Template{Name: "x", Language: "en", Components: []TemplateComponent{{Type: "body", Parameters: []TemplateParameter{{Type: "currency"}}}}},
		RawContent{},
	}
	for _, c := range contents {
		m := Message{To: testTo, Content: c}
		if err := m.Validate(); !errors.Is(err, ErrInvalidMessage) {
			t.Errorf("%T %+v: err = %v, want ErrInvalidMessage", c, c, err)
		}
		if _, err := json.Marshal(m); err != nil {
			t.Errorf("%T: marshal: %v", c, err)
		}
	}
}

// TestMessageDecodeRoundTrip decodes every golden body into a Message and
// checks that it is the message that produced it, re-encoding to the same
// body.
func TestMessageDecodeRoundTrip(t *testing.T) {
	for _, tc := range goldenMessages {
		t.Run(tc.name, func(t *testing.T) {
			golden, err := os.ReadFile(filepath.Join("testdata", "requests", tc.name+".json"))
			if err != nil {
				t.Fatal(err)
			}
			var m Message
			if err := json.Unmarshal(golden, &m); err != nil {
				t.Fatalf("Unmarshal: %v", err)
			}
			if err := m.Validate(); err != nil {
				t.Errorf("decoded message invalid: %v", err)
			}
			again, err := json.Marshal(m)
			if err != nil {
				t.Fatal(err)
			}
			testJSON(t, again, string(golden))
			if tc.name == "interactive_flow" || tc.name == "template_flow_button" {
				return // map[string]any data decodes numbers as float64
			}
			if diff := cmp.Diff(tc.msg, m); diff != "" {
				t.Errorf("decoded message differs (-want +got):\n%s", diff)
			}
		})
	}
}

func TestMessageDecodeUnknownKinds(t *testing.T) {
	var m Message
	if err := json.Unmarshal([]byte(`{"messaging_product":"whatsapp","to":"+15551234567","type":"poll","poll":{"q":"?"}}`), &m); err != nil {
		t.Fatal(err)
	}
	if rc, ok := m.Content.(RawContent); !ok || rc.Type != "poll" || string(rc.Body) != `{"q":"?"}` {
		t.Errorf("content = %#v", m.Content)
	}
	if err := json.Unmarshal([]byte(`{"to":"+15551234567","type":"interactive","interactive":{"type":"carousel","body":{"text":"b"},"action":{"cards":[]}}}`), &m); err != nil {
		t.Fatal(err)
	}
	in := m.Content.(Interactive)
	if ra, ok := in.Action.(RawAction); !ok || ra.Type != "carousel" || in.Body != "b" {
		t.Errorf("interactive = %#v", in)
	}
	for _, bad := range []string{`{"to":5}`, `{"type":"text","text":"x"}`, `{"type":"template","template":{"components":[{"type":"button","index":"x"}]}}`, `[`} {
		if err := json.Unmarshal([]byte(bad), &m); err == nil {
			t.Errorf("Unmarshal(%s) succeeded", bad)
		}
	}
}

// TestGoldenBodiesAgainstOpenAPI checks every golden request body against
// Meta's OpenAPI description (an outside reference we did not write), with
// its documented defects patched or excused in internal/oapi.
func TestGoldenBodiesAgainstOpenAPI(t *testing.T) {
	spec := oapi.Load(t)
	for _, tc := range goldenMessages {
		t.Run(tc.name, func(t *testing.T) {
			body, err := json.Marshal(tc.msg)
			if err != nil {
				t.Fatal(err)
			}
			spec.CheckRequest(t, http.MethodPost, "/v23.0/1055/messages", body)
		})
	}
	for _, body := range []string{
		`{"messaging_product":"whatsapp","status":"read","message_id":"wamid.IN1"}`,
		`{"messaging_product":"whatsapp","status":"read","message_id":"wamid.IN2","typing_indicator":{"type":"text"}}`,
	} {
		spec.CheckRequest(t, http.MethodPost, "/v23.0/1055/messages", body)
	}
	// A body the spec must refuse, so this test can fail.
	if err := spec.ValidateRequest(http.MethodPost, "/v23.0/1055/messages", `{"messaging_product":"whatsapp","to":"+15551234567","type":"text","text":{"body":5}}`); err == nil {
		t.Error("the spec accepted a numeric text body")
	}
}

// TestPointerContent: a pointer to a content kind or action is sent like
// its value; a nil pointer is a validation error, never a panic.
func TestPointerContent(t *testing.T) {
	nils := []Content{(*Text)(nil), (*Image)(nil), (*Video)(nil), (*Audio)(nil), (*Document)(nil), (*Sticker)(nil),
		(*Location)(nil), (*Contacts)(nil), (*Reaction)(nil), (*Interactive)(nil), (*Template)(nil), (*RawContent)(nil),
		Interactive{Body: "x", Action: (*List)(nil)}, &Interactive{Body: "x", Action: (*ReplyButtons)(nil)}}
	for _, c := range nils {
		m := Message{To: testTo, Content: c}
		if err := m.Validate(); !errors.Is(err, ErrInvalidMessage) {
			t.Errorf("%#v: err = %v, want ErrInvalidMessage", c, err)
		}
		if _, err := json.Marshal(m); err != nil {
			t.Errorf("%#v: marshal: %v", c, err)
		}
	}
	for _, tc := range goldenMessages {
		var ptr Message = tc.msg
		switch c := tc.msg.Content.(type) {
		case Text:
			ptr.Content = &c
		case Interactive:
			a := c.Action
			c.Action = nil
			switch v := a.(type) {
			case List:
				c.Action = &v
			case ReplyButtons:
				c.Action = &v
			default:
				c.Action = a
			}
			ptr.Content = &c
		case Template:
			ptr.Content = &c
		case Reaction:
			ptr.Content = &c
		default:
			continue
		}
		want, _ := json.Marshal(tc.msg)
		got, err := json.Marshal(ptr)
		if err != nil || ptr.Validate() != nil {
			t.Fatalf("%s: %v / %v", tc.name, err, ptr.Validate())
		}
		testJSON(t, got, string(want))
	}
	m := Message{To: testTo, ReplyTo: "wamid.2", Content: &Reaction{MessageID: "wamid.1", Emoji: "🎉"}}
	if err := m.Validate(); !errors.Is(err, ErrInvalidMessage) {
		t.Errorf("pointer reaction with context: err = %v", err)
	}
}

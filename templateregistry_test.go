package whatsapp

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
)

const templatesPNID = "1055"

// templatesRegistrySetup starts a test server whose template list is list
// (one page) and whose send endpoint answers with send (or accepts), and
// returns a client with reg installed and the number of sends that reached
// the server.
func templatesRegistrySetup(t *testing.T, reg *TemplateRegistry, list string, send func(w http.ResponseWriter)) (*Client, *atomic.Int32) {
	t.Helper()
	c, mux := testSetup(t, WithTemplateRegistry(reg))
	var sends atomic.Int32
	mux.HandleFunc("/v23.0/"+templatesWABA+"/message_templates", func(w http.ResponseWriter, r *http.Request) {
		if got := r.URL.Query().Get("fields"); got == "" {
			t.Errorf("Sync asked for no fields")
		}
		writeJSON(w, 200, list)
	})
	mux.HandleFunc("/v23.0/"+templatesPNID+"/messages", func(w http.ResponseWriter, r *http.Request) {
		sends.Add(1)
		if send != nil {
			send(w)
			return
		}
		writeJSON(w, 200, `{"messaging_product":"whatsapp","contacts":[{"input":"+15551234567","wa_id":"15551234567"}],"messages":[{"id":"wamid.OK"}]}`)
	})
	return c, &sends
}

const templatesRegistryList = `{"data":[
	{"id":"11","name":"ticket_update","language":"en_US","status":"APPROVED","category":"UTILITY","components":[
		{"type":"BODY","text":"We got an answer to your request {{1}}. The team accepted the task, due date {{2}}."}]},
	{"id":"12","name":"promo","language":"en_US","status":"PAUSED","category":"MARKETING","components":[{"type":"BODY","text":"Sale!"}]},
	{"id":"13","name":"old_promo","language":"en_US","status":"DISABLED","category":"MARKETING"},
	{"id":"14","name":"draft","language":"pt_BR","status":"PENDING","category":"UTILITY"},
	{"id":"15","name":"bad","language":"en_US","status":"REJECTED","category":"MARKETING","rejected_reason":"PROMOTIONAL"},
	{"id":"16","name":"order_ready","language":"en_US","status":"APPROVED","category":"UTILITY","components":[
		{"type":"BODY","text":"Hi {{first_name}}, your order is ready."}]},
	{"id":"17","name":"future","language":"en_US","status":"SOME_NEW_STATUS","category":"UTILITY"}
],"paging":{"cursors":{"after":"A"}}}`

func templatesSend(c *Client, name, lang string, comps ...TemplateComponent) error {
	_, err := c.Send(context.Background(), templatesPNID, Message{To: "+15551234567",
		Content: Template{Name: name, Language: lang, Components: comps}})
	return err
}

func TestTemplateRegistryGuard(t *testing.T) {
	reg := &TemplateRegistry{}
	c, sends := templatesRegistrySetup(t, reg, templatesRegistryList, nil)
	if err := reg.Sync(context.Background(), c, templatesWABA); err != nil {
		t.Fatal(err)
	}
	if reg.Len() != 7 {
		t.Fatalf("Len = %d, want 7", reg.Len())
	}
	body2 := BodyParameters(TextParameter("#4512"), TextParameter("25 November"))
	tests := []struct {
		name   string
		tpl    string
		lang   string
		comps  []TemplateComponent
		target error // nil: the send goes through
	}{
		{"approved, parameters match", "ticket_update", "en_US", []TemplateComponent{body2}, nil},
		{"paused", "promo", "en_US", nil, ErrTemplatePaused},
		{"disabled", "old_promo", "en_US", nil, ErrTemplateDisabled},
		{"pending", "draft", "pt_BR", nil, ErrTemplateNotFound},
		{"rejected", "bad", "en_US", nil, ErrTemplateNotFound},
		{"unknown in a synced account", "nope", "en_US", nil, ErrTemplateNotFound},
		{"known name, other language", "ticket_update", "pt_BR", []TemplateComponent{body2}, ErrTemplateNotFound},
		{"132000 caught locally", "ticket_update", "en_US", []TemplateComponent{BodyParameters(TextParameter("#4512"))}, ErrTemplateParams},
		{"132012 caught locally", "order_ready", "en_US", []TemplateComponent{BodyParameters(TextParameter("Ana"))}, ErrTemplateParams},
		{"named ok", "order_ready", "en_US", []TemplateComponent{BodyParameters(NamedTextParameter("first_name", "Ana"))}, nil},
		{"a status this package does not know is let through", "future", "en_US", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := sends.Load()
			err := templatesSend(c, tt.tpl, tt.lang, tt.comps...)
			if tt.target == nil {
				if err != nil {
					t.Fatalf("Send: %v", err)
				}
				if sends.Load() != before+1 {
					t.Errorf("the send did not reach the server")
				}
				return
			}
			if !errors.Is(err, tt.target) {
				t.Fatalf("err = %v, want %v", err, tt.target)
			}
			if sends.Load() != before {
				t.Errorf("a refused send reached the server")
			}
		})
	}
	// Other kinds of content are not the registry's business.
	if _, err := c.Send(context.Background(), templatesPNID, Message{To: "+15551234567", Content: Text{Body: "hi"}}); err != nil {
		t.Errorf("text send: %v", err)
	}
}

func TestTemplateRegistryNotSynced(t *testing.T) {
	reg := &TemplateRegistry{}
	c, sends := templatesRegistrySetup(t, reg, `{"data":[]}`, nil)
	if err := templatesSend(c, "anything", "en_US"); err != nil || sends.Load() != 1 {
		t.Fatalf("unknown template with an unsynced registry: err %v, sends %d", err, sends.Load())
	}
	strict := &TemplateRegistry{Strict: true}
	c2, sends2 := templatesRegistrySetup(t, strict, `{"data":[]}`, nil)
	if err := templatesSend(c2, "anything", "en_US"); !errors.Is(err, ErrTemplateNotFound) || sends2.Load() != 0 {
		t.Fatalf("strict registry: err %v, sends %d", err, sends2.Load())
	}
	// An empty list marks the account complete too.
	if err := reg.Sync(context.Background(), c, templatesWABA); err != nil {
		t.Fatal(err)
	}
	if err := templatesSend(c, "anything", "en_US"); !errors.Is(err, ErrTemplateNotFound) {
		t.Errorf("after an empty sync: err = %v", err)
	}
}

func TestTemplateRegistrySyncErrorKeepsState(t *testing.T) {
	reg := &TemplateRegistry{}
	reg.Put(templatesWABA, MessageTemplate{Name: "kept", Language: "en_US", Status: TemplateStatusApproved})
	c, mux := testSetup(t)
	mux.HandleFunc("/v23.0/"+templatesWABA+"/message_templates", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 500, `{"error":{"message":"oops","type":"OAuthException","code":2,"is_transient":true}}`)
	})
	if err := reg.Sync(context.Background(), c, templatesWABA); err == nil {
		t.Fatal("Sync reported no error")
	}
	if _, ok := reg.LookupTemplate("kept", "en_US"); !ok {
		t.Error("a failed Sync dropped what the registry knew")
	}
}

func TestTemplateRegistryLearnsFromAPIErrors(t *testing.T) {
	reg := &TemplateRegistry{}
	reg.Put(templatesWABA, MessageTemplate{Name: "promo", Language: "en_US", Status: TemplateStatusApproved})
	code := 132015
	c, sends := templatesRegistrySetup(t, reg, `{"data":[]}`, func(w http.ResponseWriter) {
		writeJSON(w, 400, fmt.Sprintf(`{"error":{"message":"(#%d) template","type":"OAuthException","code":%d}}`, code, code))
	})
	if err := templatesSend(c, "promo", "en_US"); !errors.Is(err, ErrTemplatePaused) || sends.Load() != 1 {
		t.Fatalf("first send: err %v, sends %d", err, sends.Load())
	}
	if err := templatesSend(c, "promo", "en_US"); !errors.Is(err, ErrTemplatePaused) || sends.Load() != 1 {
		t.Fatalf("second send: err %v, sends %d (want refused locally)", err, sends.Load())
	}
	if got, _ := reg.LookupTemplate("promo", "en_US"); got.Status != TemplateStatusPaused {
		t.Errorf("status = %q", got.Status)
	}
	reg.Put(templatesWABA, MessageTemplate{Name: "promo", Language: "en_US", Status: TemplateStatusApproved})
	code = 132016
	_ = templatesSend(c, "promo", "en_US")
	if err := templatesSend(c, "promo", "en_US"); !errors.Is(err, ErrTemplateDisabled) || sends.Load() != 2 {
		t.Fatalf("after 132016: err %v, sends %d", err, sends.Load())
	}
}

// templatesNotification parses a webhook payload from testdata/webhooks.
func templatesNotification(t *testing.T, name string) *Notification {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "webhooks", name))
	if err != nil {
		t.Fatal(err)
	}
	n, err := ParseNotification(b)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestTemplateRegistryWebhooks(t *testing.T) {
	reg := &TemplateRegistry{}
	reg.Replace(templatesWABA, []MessageTemplate{
		{ID: "1689556908129832", Name: "order_confirmation", Language: "en_US", Status: TemplateStatusPending, Category: TemplateCategoryUtility,
			Components: []MessageTemplateComponent{
				{Type: HeaderComponent, Format: HeaderFormatText, Text: "Your order"},
				{Type: BodyComponent, Text: "Thanks {{1}}, see you."},
				{Type: ButtonsComponent, Buttons: []MessageTemplateButton{
					{Type: ButtonTypeQuickReply, Text: "Stop"},
					{Type: ButtonTypePhoneNumber, Text: "Call", PhoneNumber: "+15550100"},
					{Type: ButtonTypeURL, Text: "Mail", URL: "https://www.example.com/old"},
				}}}},
		{ID: "1689556908129836", Name: "promo", Language: "en_US", Status: TemplateStatusApproved},
		{ID: "806312974732579", Name: "welcome_template", Language: "en_US", Status: TemplateStatusApproved, Category: TemplateCategoryUtility},
	})
	c, sends := templatesRegistrySetup(t, reg, `{"data":[]}`, nil)

	// Status updates: approved, rejected (unknown until now), paused,
	// disabled (unknown until now).
	if n := reg.ApplyNotification(templatesNotification(t, "template_status_update.json")); n != 4 {
		t.Fatalf("applied %d events, want 4", n)
	}
	for _, tt := range []struct {
		name   string
		lang   string
		status TemplateStatus
		target error
	}{
		{"order_confirmation", "en_US", TemplateStatusApproved, nil},
		{"abandoned_cart", "en", TemplateStatusRejected, ErrTemplateNotFound},
		{"promo", "en_US", TemplateStatusPaused, ErrTemplatePaused},
		{"promo2", "en_US", TemplateStatusDisabled, ErrTemplateDisabled},
	} {
		got, ok := reg.LookupTemplate(tt.name, tt.lang)
		if !ok || got.Status != tt.status {
			t.Errorf("%s: status %q (known %v), want %q", tt.name, got.Status, ok, tt.status)
		}
		if tt.target != nil {
			if err := templatesSend(c, tt.name, tt.lang); !errors.Is(err, tt.target) {
				t.Errorf("%s: send err = %v, want %v", tt.name, err, tt.target)
			}
		}
	}
	if got, _ := reg.LookupTemplate("abandoned_cart", "en"); got.RejectedReason != RejectedInvalidFormat || got.ID != "1689556908129835" || got.Category != TemplateCategoryMarketing {
		t.Errorf("rejected template learned from the webhook: %+v", got)
	}
	if sends.Load() != 0 {
		t.Fatalf("%d refused sends reached the server", sends.Load())
	}

	// Quality: GREEN → YELLOW, matched by id though the webhook writes en-US.
	if n := reg.ApplyNotification(templatesNotification(t, "template_quality_update.json")); n != 1 {
		t.Fatalf("quality: applied %d", n)
	}
	if got, _ := reg.LookupTemplate("welcome_template", "en-US"); got.QualityScore.Score != TemplateQualityYellow {
		t.Errorf("quality = %q", got.QualityScore.Score)
	}

	// Category: an impending change leaves UTILITY; the completed one makes
	// it MARKETING.
	n := templatesNotification(t, "template_category_update.json")
	reg.ApplyChange(&n.Entries[0].Changes[0])
	if got, _ := reg.LookupTemplate("welcome_template", "en_US"); got.Category != TemplateCategoryUtility {
		t.Errorf("after the impending change: category %q", got.Category)
	}
	reg.ApplyChange(&n.Entries[0].Changes[1])
	if got, _ := reg.LookupTemplate("welcome_template", "en_US"); got.Category != TemplateCategoryMarketing || got.PreviousCategory != TemplateCategoryUtility {
		t.Errorf("after the change: category %q, previous %q", got.Category, got.PreviousCategory)
	}

	// Components: the body now has two variables; the URL and phone buttons
	// keep their positions (index 1 and 2).
	if n := reg.ApplyNotification(templatesNotification(t, "template_components_update.json")); n != 1 {
		t.Fatalf("components: applied %d", n)
	}
	got, _ := reg.LookupTemplate("order_confirmation", "en_US")
	if got.Body() != "Thank you for your order, {{1}}! Your order number is {{2}}." {
		t.Errorf("body = %q", got.Body())
	}
	if b := got.component(ButtonsComponent).Buttons; len(b) != 3 || b[0].Type != ButtonTypeQuickReply || b[2].URL != "https://www.example.com/support" || b[1].PhoneNumber != "+15550783881" {
		t.Errorf("buttons = %+v", b)
	}
	if h := got.component(HeaderComponent); h == nil || h.Text != "Your order is confirmed!" {
		t.Errorf("header = %+v", h)
	}
	if err := templatesSend(c, "order_confirmation", "en_US", BodyParameters(TextParameter("Ana"))); !errors.Is(err, ErrTemplateParams) {
		t.Errorf("one value for the edited body: err = %v, want ErrTemplateParams", err)
	}
	if err := templatesSend(c, "order_confirmation", "en_US", BodyParameters(TextParameter("Ana"), TextParameter("#1"))); err != nil {
		t.Errorf("two values for the edited body: %v", err)
	}

	// Reinstated and deleted.
	reg.applyStatus(templateStatusEvent{WABAID: templatesWABA, TemplateID: "1689556908129836", Name: "promo", Language: "en_US", Event: TemplateStatusReinstated})
	if got, _ := reg.LookupTemplate("promo", "en_US"); got.Status != TemplateStatusApproved {
		t.Errorf("after REINSTATED: %q", got.Status)
	}
	reg.applyStatus(templateStatusEvent{WABAID: templatesWABA, TemplateID: "1689556908129836", Name: "promo", Language: "en_US", Event: TemplateStatusFlagged})
	if got, _ := reg.LookupTemplate("promo", "en_US"); got.Status != TemplateStatusApproved {
		t.Errorf("after FLAGGED: %q (a flagged template is still approved)", got.Status)
	}
	reg.applyStatus(templateStatusEvent{WABAID: templatesWABA, Name: "promo", Language: "en_US", Event: TemplateStatusArchived})
	reg.applyStatus(templateStatusEvent{WABAID: templatesWABA, Name: "promo", Language: "en_US", Event: TemplateStatusUnarchived})
	if got, _ := reg.LookupTemplate("promo", "en_US"); got.Status != TemplateStatusApproved {
		t.Errorf("after ARCHIVED then UNARCHIVED: %q", got.Status)
	}
	reg.applyStatus(templateStatusEvent{WABAID: templatesWABA, TemplateID: "1689556908129836", Event: TemplateStatusDeleted})
	if _, ok := reg.LookupTemplate("promo", "en_US"); ok {
		t.Error("a DELETED template is still known")
	}
	if err := templatesSend(c, "promo", "en_US"); !errors.Is(err, ErrTemplateNotFound) {
		t.Errorf("deleted template in a complete account: err = %v", err)
	}
	if reg.ApplyNotification(nil) != 0 || reg.ApplyChange(&Change{Field: "messages"}) {
		t.Error("non-template changes were applied")
	}
}

func TestTemplateRegistryComponentsOfUnknownTemplate(t *testing.T) {
	// A template the registry only knows from an edit webhook: the body is
	// checked, the buttons (whose positions the event does not give) are not.
	reg := &TemplateRegistry{}
	c, sends := templatesRegistrySetup(t, reg, `{"data":[]}`, nil)
	reg.ApplyNotification(templatesNotification(t, "template_components_update.json"))
	body := BodyParameters(TextParameter("Ana"), TextParameter("#1"))
	if err := templatesSend(c, "order_confirmation", "en_US", body, QuickReplyButton(0, "x"), URLButton(5, "y")); err != nil {
		t.Errorf("send with buttons the event did not describe: %v", err)
	}
	if err := templatesSend(c, "order_confirmation", "en_US", BodyParameters(TextParameter("Ana"))); !errors.Is(err, ErrTemplateParams) {
		t.Errorf("body count still checked: err = %v", err)
	}
	if sends.Load() != 1 {
		t.Errorf("sends = %d, want 1", sends.Load())
	}
}

func TestTemplateRegistryAccounts(t *testing.T) {
	reg := &TemplateRegistry{}
	reg.Replace("waba-a", []MessageTemplate{{Name: "hello", Language: "en_US", Status: TemplateStatusApproved}})
	reg.Replace("waba-b", []MessageTemplate{
		{Name: "hello", Language: "en_US", Status: TemplateStatusPaused},
		{Name: "only_b", Language: "en_US", Status: TemplateStatusApproved},
	})
	if _, ok := reg.LookupTemplate("hello", "en_US"); ok {
		t.Error("LookupTemplate resolved a name two accounts share")
	}
	if got, ok := reg.LookupTemplate("only_b", "en_US"); !ok || got.Status != TemplateStatusApproved {
		t.Error("LookupTemplate missed a name one account has")
	}
	if got, ok := reg.Lookup("waba-b", "hello", "en-US"); !ok || got.Status != TemplateStatusPaused {
		t.Errorf("Lookup(waba-b) = %+v, %v", got, ok)
	}
	c, sends := templatesRegistrySetup(t, reg, `{"data":[]}`, nil)
	// Unmapped number with two accounts: an ambiguous name is let through,
	// and an unknown one too (no account is known to be the sender's).
	if err := templatesSend(c, "hello", "en_US"); err != nil {
		t.Errorf("ambiguous, unmapped: %v", err)
	}
	if err := templatesSend(c, "nowhere", "en_US"); err != nil {
		t.Errorf("unknown, unmapped: %v", err)
	}
	reg.SetPhoneNumberWABA(templatesPNID, "waba-b")
	if err := templatesSend(c, "hello", "en_US"); !errors.Is(err, ErrTemplatePaused) {
		t.Errorf("mapped to waba-b: err = %v", err)
	}
	if err := templatesSend(c, "nowhere", "en_US"); !errors.Is(err, ErrTemplateNotFound) {
		t.Errorf("unknown in mapped complete account: err = %v", err)
	}
	reg.SetPhoneNumberWABA(templatesPNID, "waba-a")
	if err := templatesSend(c, "hello", "en_US"); err != nil {
		t.Errorf("mapped to waba-a: %v", err)
	}
	if sends.Load() != 3 {
		t.Errorf("sends = %d, want 3", sends.Load())
	}
}

func TestTemplateRegistryLookupIsACopy(t *testing.T) {
	reg := &TemplateRegistry{}
	reg.Put(templatesWABA, templatesTicket())
	got, ok := reg.LookupTemplate("ticket_update", "en-US")
	if !ok {
		t.Fatal("not found")
	}
	got.Components[1].Text = "changed"
	got.Components[3].Buttons[0].URL = "changed"
	got.Components[1].Example.BodyText[0][0] = "changed"
	again, _ := reg.LookupTemplate("ticket_update", "en_US")
	if again.Components[1].Text == "changed" || again.Components[3].Buttons[0].URL == "changed" || again.Components[1].Example.BodyText[0][0] == "changed" {
		t.Error("changing a looked-up template changed the registry")
	}
	if _, ok := reg.LookupTemplate("ticket_update", "pt_BR"); ok {
		t.Error("found in another language")
	}
}

func TestTemplateRegistryConcurrent(t *testing.T) {
	reg := &TemplateRegistry{}
	c, _ := templatesRegistrySetup(t, reg, templatesRegistryList, nil)
	if err := reg.Sync(context.Background(), c, templatesWABA); err != nil {
		t.Fatal(err)
	}
	status := templatesNotification(t, "template_status_update.json")
	quality := templatesNotification(t, "template_quality_update.json")
	var wg sync.WaitGroup
	body2 := BodyParameters(TextParameter("#4512"), TextParameter("25 November"))
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 20 {
				switch (i + j) % 5 {
				case 0:
					if err := templatesSend(c, "ticket_update", "en_US", body2); err != nil {
						t.Errorf("send: %v", err)
					}
				case 1:
					reg.ApplyNotification(status)
				case 2:
					reg.ApplyNotification(quality)
				case 3:
					if _, ok := reg.LookupTemplate("ticket_update", "en_US"); !ok {
						t.Error("lookup failed")
					}
				case 4:
					if err := reg.Sync(context.Background(), c, templatesWABA); err != nil {
						t.Errorf("sync: %v", err)
					}
				}
			}
		}()
	}
	wg.Wait()
}

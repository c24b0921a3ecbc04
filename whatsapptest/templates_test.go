package whatsapptest_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/wacloud/whatsapp"
	"github.com/wacloud/whatsapp/whatsapptest"
)

// ticketTemplate is the long-running case template of requirements R1.
func ticketTemplate() whatsapp.MessageTemplate {
	return whatsapp.MessageTemplate{
		Name: "ticket_update", Language: "en_US", Category: whatsapp.TemplateCategoryUtility,
		Components: []whatsapp.MessageTemplateComponent{
			{Type: whatsapp.BodyComponent,
				Text:    "We got an answer to your request {{1}}. The team accepted the task, due date {{2}}.",
				Example: whatsapp.TemplateExample{BodyText: [][]string{{"#4521", "3 March"}}}},
			{Type: whatsapp.ButtonsComponent, Buttons: []whatsapp.MessageTemplateButton{
				{Type: whatsapp.ButtonTypeQuickReply, Text: "Thanks"},
				{Type: whatsapp.ButtonTypeQuickReply, Text: "Call me"},
			}},
		},
	}
}

func TestTemplateLifecycle(t *testing.T) {
	var box inbox
	srv, client := newTestServer(t, whatsapptest.WithTemplateReview(time.Hour))
	srv.SetWebhookHandler(whatsapp.NewWebhookHandler(func() whatsapp.WebhookConfig {
		cfg := box.handler(srv.AppSecret)
		return cfg
	}()))
	ctx := testContext(t)

	created, err := client.CreateTemplate(ctx, srv.WABAID, ticketTemplate())
	if err != nil {
		t.Fatal(err)
	}
	if created.Status != whatsapp.TemplateStatusPending || created.Category != whatsapp.TemplateCategoryUtility || created.ID == "" {
		t.Fatalf("created = %+v", created)
	}
	if _, err := client.CreateTemplate(ctx, srv.WABAID, ticketTemplate()); err == nil {
		t.Error("a second template with the same name and language was accepted")
	}
	// Pending templates cannot be sent (132001).
	srv.UserSends(testUser, "hi")
	send := whatsapp.Message{To: testUser, Content: whatsapp.Template{Name: "ticket_update", Language: "en_US",
		Components: []whatsapp.TemplateComponent{whatsapp.BodyParameters(whatsapp.TextParameter("#4521"), whatsapp.TextParameter("3 March"))}}}
	if _, err := client.Send(ctx, srv.PhoneNumberID, send); !errors.Is(err, whatsapp.ErrTemplateNotFound) {
		t.Fatalf("send of a pending template: %v, want 132001", err)
	}
	// The review ends after the configured delay on the server's clock,
	// with a status webhook.
	srv.Clock.Advance(time.Hour - time.Second)
	got, err := client.GetTemplate(ctx, created.ID)
	if err != nil || got.Status != whatsapp.TemplateStatusPending {
		t.Fatalf("before the delay: %+v, %v", got, err)
	}
	srv.Clock.Advance(time.Second)
	if err := srv.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	got, err = client.GetTemplate(ctx, created.ID)
	if err != nil || got.Status != whatsapp.TemplateStatusApproved || got.Name != "ticket_update" || len(got.Components) != 2 {
		t.Fatalf("after the delay: %+v, %v", got, err)
	}
	n := lastDelivery(t, srv)
	if len(n.Entries) != 1 || len(n.Entries[0].Changes) != 1 {
		t.Fatalf("notification = %+v", n)
	}
	ev := n.Entries[0].Changes[0].TemplateStatus
	if ev == nil || ev.Event != "APPROVED" || ev.TemplateID != created.ID || ev.TemplateName != "ticket_update" || ev.TemplateLanguage != "en_US" {
		t.Fatalf("status update = %+v", ev)
	}
	res, err := client.Send(ctx, srv.PhoneNumberID, send)
	if err != nil {
		t.Fatalf("send of the approved template: %v", err)
	}
	if res.MessageStatus != "accepted" {
		t.Errorf("message_status = %q, want accepted", res.MessageStatus)
	}
	// A utility template inside the window is free (reference 5.3).
	if m, _ := srv.Message(res.MessageID); m.Category != "utility" || m.PricingType != "free_customer_service" {
		t.Errorf("pricing inside the window = %s/%s", m.Category, m.PricingType)
	}
	srv.Clock.Advance(25 * time.Hour)
	res, err = client.Send(ctx, srv.PhoneNumberID, send)
	if err != nil {
		t.Fatalf("template outside the window: %v", err)
	}
	if m, _ := srv.Message(res.MessageID); m.Category != "utility" || m.PricingType != "regular" {
		t.Errorf("pricing outside the window = %s/%s", m.Category, m.PricingType)
	}

	// Pause, disable (reference 5.8: 132015, 132016).
	if err := srv.SetTemplateStatus(created.ID, whatsapp.TemplateStatusPaused, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := client.Send(ctx, srv.PhoneNumberID, send); !errors.Is(err, whatsapp.ErrTemplatePaused) || apiError(t, err).Code != 132015 {
		t.Errorf("paused: %v", err)
	}
	srv.SetTemplateStatus(created.ID, whatsapp.TemplateStatusDisabled, "")
	if _, err := client.Send(ctx, srv.PhoneNumberID, send); !errors.Is(err, whatsapp.ErrTemplateDisabled) || apiError(t, err).Code != 132016 {
		t.Errorf("disabled: %v", err)
	}
	if err := client.DeleteTemplate(ctx, srv.WABAID, "ticket_update"); err == nil {
		t.Error("a disabled template was deleted")
	}
	srv.SetTemplateStatus(created.ID, whatsapp.TemplateStatusApproved, "")

	// Edit: back to review; an approved template once a day at most.
	edited := ticketTemplate()
	edited.Components[0].Text = "Update on your request {{1}}: due date {{2}}."
	if err := client.EditTemplate(ctx, created.ID, edited); err != nil {
		t.Fatal(err)
	}
	got, _ = client.GetTemplate(ctx, created.ID)
	if got.Status != whatsapp.TemplateStatusPending || got.Body() != edited.Components[0].Text {
		t.Errorf("after edit: %s %q", got.Status, got.Body())
	}
	if err := client.EditTemplate(ctx, created.ID, edited); apiError(t, err).Code != 2388039 {
		t.Errorf("edit while pending: %v, want 2388039", err)
	}
	srv.ApproveTemplate(created.ID)
	if err := client.EditTemplate(ctx, created.ID, edited); apiError(t, err).Code != 2388039 {
		t.Errorf("second edit of an approved template within 24h: %v, want 2388039", err)
	}

	if err := client.DeleteTemplate(ctx, srv.WABAID, "ticket_update"); err != nil {
		t.Fatal(err)
	}
	if len(srv.Templates()) != 0 {
		t.Errorf("templates after delete: %d", len(srv.Templates()))
	}
	if err := client.DeleteTemplate(ctx, srv.WABAID, "ticket_update"); err == nil {
		t.Error("deleting a missing template succeeded")
	}
}

// lastDelivery decodes the last delivered webhook with the library.
func lastDelivery(t *testing.T, srv *whatsapptest.Server) *whatsapp.Notification {
	t.Helper()
	d := srv.Deliveries()
	if len(d) == 0 {
		t.Fatal("no webhook delivered")
	}
	n, err := whatsapp.ParseNotification(d[len(d)-1].Body)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestRejectTemplate(t *testing.T) {
	srv, client := newTestServer(t)
	ctx := testContext(t)
	created, err := client.CreateTemplate(ctx, srv.WABAID, ticketTemplate())
	if err != nil {
		t.Fatal(err)
	}
	srv.Clock.Advance(30 * 24 * time.Hour)
	if got, _ := client.GetTemplate(ctx, created.ID); got.Status != whatsapp.TemplateStatusPending {
		t.Errorf("without a review delay a template stays pending; got %s", got.Status)
	}
	if err := srv.RejectTemplate(created.ID, whatsapp.RejectedPromotional); err != nil {
		t.Fatal(err)
	}
	got, _ := client.GetTemplate(ctx, created.ID)
	if got.Status != whatsapp.TemplateStatusRejected || got.RejectedReason != whatsapp.RejectedPromotional {
		t.Errorf("got %s %s", got.Status, got.RejectedReason)
	}
	if err := srv.RejectTemplate("404", ""); err == nil {
		t.Error("RejectTemplate of an unknown id: no error")
	}
}

func TestTemplateParameters(t *testing.T) {
	srv, client := newTestServer(t)
	ctx := testContext(t)
	if _, err := srv.AddTemplate(ticketTemplate()); err != nil {
		t.Fatal(err)
	}
	named := whatsapp.MessageTemplate{Name: "greeting", Language: "en", Category: whatsapp.TemplateCategoryMarketing,
		ParameterFormat: whatsapp.ParameterFormatNamed,
		Components: []whatsapp.MessageTemplateComponent{{Type: whatsapp.BodyComponent, Text: "Hello {{first_name}}, welcome back!",
			Example: whatsapp.TemplateExample{BodyTextNamedParams: []whatsapp.NamedExample{{ParamName: "first_name", Example: "Ann"}}}}}}
	if _, err := srv.AddTemplate(named); err != nil {
		t.Fatal(err)
	}
	send := func(name, lang string, comps ...whatsapp.TemplateComponent) error {
		_, err := client.Send(ctx, srv.PhoneNumberID, whatsapp.Message{To: testUser,
			Content: whatsapp.Template{Name: name, Language: lang, Components: comps}})
		return err
	}
	tests := []struct {
		name string
		err  error
		code int
	}{
		{"ok", send("ticket_update", "en_US", whatsapp.BodyParameters(whatsapp.TextParameter("#1"), whatsapp.TextParameter("Monday"))), 0},
		{"unknown name", send("nope", "en_US"), 132001},
		{"wrong language", send("ticket_update", "pt_BR", whatsapp.BodyParameters(whatsapp.TextParameter("#1"), whatsapp.TextParameter("Monday"))), 132001},
		{"too few", send("ticket_update", "en_US", whatsapp.BodyParameters(whatsapp.TextParameter("#1"))), 132000},
		{"too many", send("ticket_update", "en_US", whatsapp.BodyParameters(whatsapp.TextParameter("#1"), whatsapp.TextParameter("b"), whatsapp.TextParameter("c"))), 132000},
		{"none", send("ticket_update", "en_US"), 132000},
		{"named ok", send("greeting", "en", whatsapp.BodyParameters(whatsapp.NamedTextParameter("first_name", "Ann"))), 0},
		{"positional to named", send("greeting", "en", whatsapp.BodyParameters(whatsapp.TextParameter("Ann"))), 132012},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.code == 0 {
				if tt.err != nil {
					t.Fatalf("err = %v", tt.err)
				}
				return
			}
			if e := apiError(t, tt.err); e.Code != tt.code {
				t.Errorf("code = %d (%v), want %d", e.Code, tt.err, tt.code)
			}
			if tt.code == 132000 || tt.code == 132012 {
				if !errors.Is(tt.err, whatsapp.ErrTemplateParams) {
					t.Errorf("%v does not match ErrTemplateParams", tt.err)
				}
			}
		})
	}
	// Built with the library's own engine, the send passes.
	tpl := ticketTemplate()
	built, err := tpl.Build(whatsapp.TemplateValues{Body: []string{"#9", "Friday"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := client.Send(ctx, srv.PhoneNumberID, whatsapp.Message{To: testUser, Content: built}); err != nil {
		t.Errorf("built send: %v", err)
	}
}

func TestTemplateTapQuickReply(t *testing.T) {
	var box inbox
	srv, client := newTestServer(t)
	srv.SetWebhookHandler(whatsapp.NewWebhookHandler(box.handler(srv.AppSecret)))
	ctx := testContext(t)
	srv.AddTemplate(ticketTemplate())
	res, err := client.Send(ctx, srv.PhoneNumberID, whatsapp.Message{To: testUser, Content: whatsapp.Template{
		Name: "ticket_update", Language: "en_US", Components: []whatsapp.TemplateComponent{
			whatsapp.BodyParameters(whatsapp.TextParameter("#1"), whatsapp.TextParameter("Monday")),
			whatsapp.QuickReplyButton(1, "CALL_ME"),
		}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := srv.UserTaps(testUser, res.MessageID, "CALL_ME"); err != nil {
		t.Fatal(err)
	}
	srv.Flush(ctx)
	if len(box.messages) != 1 {
		t.Fatalf("messages = %d", len(box.messages))
	}
	m := box.messages[0]
	if m.Type != "button" || m.Button == nil || m.Button.Payload != "CALL_ME" || m.Button.Text != "Call me" || m.Context == nil || m.Context.ID != res.MessageID {
		t.Errorf("tap = %+v button %+v", m, m.Button)
	}
	// The tap opened the window: a free-form reply goes through now.
	if _, err := client.Send(ctx, srv.PhoneNumberID, whatsapp.Message{To: testUser, Content: whatsapp.Text{Body: "Calling you now"}}); err != nil {
		t.Fatal(err)
	}
	srv.Flush(ctx)
	for _, s := range box.statuses {
		if s.Status == "failed" {
			t.Errorf("failed status after a tap: %+v", s)
		}
	}
}

func TestListTemplatesPaging(t *testing.T) {
	srv, client := newTestServer(t)
	ctx := testContext(t)
	for i := range 7 {
		tpl := ticketTemplate()
		tpl.Name = fmt.Sprintf("ticket_%d", i)
		if i%2 == 1 {
			tpl.Category = whatsapp.TemplateCategoryMarketing
		}
		if _, err := srv.AddTemplate(tpl); err != nil {
			t.Fatal(err)
		}
	}
	page, err := client.ListTemplatesPage(ctx, srv.WABAID, &whatsapp.ListTemplatesOptions{Limit: 3, Summary: []string{"total_count"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Templates) != 3 || page.Paging.Next == "" || page.Paging.Cursors.After == "" || page.Summary == nil || page.Summary.TotalCount != 7 {
		t.Fatalf("first page = %+v", page)
	}
	var names []string
	for tpl, err := range client.ListTemplates(ctx, srv.WABAID, &whatsapp.ListTemplatesOptions{Limit: 3}) {
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, tpl.Name)
	}
	if len(names) != 7 || names[0] != "ticket_0" || names[6] != "ticket_6" {
		t.Errorf("iterated %v", names)
	}
	var marketing int
	for _, err := range client.ListTemplates(ctx, srv.WABAID, &whatsapp.ListTemplatesOptions{Category: whatsapp.TemplateCategoryMarketing, Limit: 2}) {
		if err != nil {
			t.Fatal(err)
		}
		marketing++
	}
	if marketing != 3 {
		t.Errorf("marketing templates = %d, want 3", marketing)
	}
	// A previous cursor goes back.
	second, err := client.ListTemplatesPage(ctx, srv.WABAID, &whatsapp.ListTemplatesOptions{Limit: 3, After: page.Paging.Cursors.After})
	if err != nil {
		t.Fatal(err)
	}
	back, err := client.ListTemplatesPage(ctx, srv.WABAID, &whatsapp.ListTemplatesOptions{Limit: 3, Before: second.Paging.Cursors.Before})
	if err != nil || len(back.Templates) != 3 || back.Templates[0].Name != "ticket_0" {
		t.Errorf("previous page = %+v, %v", back, err)
	}
	fields, err := client.ListTemplatesPage(ctx, srv.WABAID, &whatsapp.ListTemplatesOptions{Limit: 1, Fields: []string{"name", "status"}})
	if err != nil || len(fields.Templates) != 1 || fields.Templates[0].Name == "" || len(fields.Templates[0].Components) != 0 {
		t.Errorf("fields page = %+v, %v", fields, err)
	}
}

func TestCreateTemplateContentErrors(t *testing.T) {
	srv, _ := newTestServer(t)
	// Raw bodies the client would refuse locally.
	tests := []struct {
		name, body string
		code       int
	}{
		{"variable at the end", `{"name":"t1","language":"en_US","category":"UTILITY","components":[{"type":"BODY","text":"Your code is {{1}}","example":{"body_text":[["1"]]}}]}`, 2388299},
		{"body too long", `{"name":"t2","language":"en_US","category":"UTILITY","components":[{"type":"BODY","text":"` + string(make([]byte, 0)) + longText(1025) + `"}]}`, 2388040},
		{"bad name", `{"name":"Bad Name","language":"en_US","category":"UTILITY","components":[{"type":"BODY","text":"hi"}]}`, 100},
		{"no category", `{"name":"t3","language":"en_US","components":[{"type":"BODY","text":"hi"}]}`, 100},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, e := rawPost(t, srv, "/v23.0/"+srv.WABAID+"/message_templates", tt.body)
			if status != 400 || e.Code != tt.code {
				t.Errorf("HTTP %d code %d (%s), want 400 code %d", status, e.Code, e.Details, tt.code)
			}
		})
	}
}

func longText(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = 'a'
	}
	return string(b)
}

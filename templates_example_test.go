package whatsapp_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"

	"github.com/wacloud/whatsapp"
)

func ExampleParseVariables() {
	vars, err := whatsapp.ParseVariables("Hi {{first_name}}, your order {{order_id}} ships today.")
	if err != nil {
		panic(err)
	}
	for _, v := range vars {
		fmt.Printf("%s at bytes %d-%d, named %v\n", v.Name, v.Start, v.End, v.Named())
	}

	_, err = whatsapp.ParseVariables("Hi {{ 1 }}, welcome")
	var ve *whatsapp.ValidationError
	if errors.As(err, &ve) {
		fmt.Println(ve.Rule+":", ve.Reason)
	}
	// Output:
	// first_name at bytes 3-17, named true
	// order_id at bytes 30-42, named true
	// template.variable.malformed: no spaces inside a placeholder: write {{1}} at byte 3
}

func ExampleRenderText() {
	body := "We got an answer to your request {{1}}. The team accepted the task, due date {{2}}."
	s, err := whatsapp.RenderText(body, "#4512", "25 November")
	fmt.Println(s, err)

	_, err = whatsapp.RenderText(body, "#4512")
	fmt.Println(errors.Is(err, whatsapp.ErrTemplateParams))
	// Output:
	// We got an answer to your request #4512. The team accepted the task, due date 25 November. <nil>
	// true
}

func ExampleRenderNamedText() {
	s, err := whatsapp.RenderNamedText("Hi {{first_name}}, order {{order_id}} is ready.",
		map[string]string{"first_name": "Ana", "order_id": "#4512"})
	fmt.Println(s, err)
	// Output:
	// Hi Ana, order #4512 is ready. <nil>
}

func ExampleMessageTemplate_Build() {
	def := whatsapp.MessageTemplate{
		Name: "ticket_update", Language: "en_US", Category: whatsapp.TemplateCategoryUtility,
		Components: []whatsapp.MessageTemplateComponent{
			{Type: whatsapp.BodyComponent, Text: "We got an answer to your request {{1}}. The team accepted the task, due date {{2}}."},
			{Type: whatsapp.ButtonsComponent, Buttons: []whatsapp.MessageTemplateButton{
				{Type: whatsapp.ButtonTypeURL, Text: "Open ticket", URL: "https://example.com/tickets/{{1}}"},
			}},
		},
	}
	tpl, err := def.Build(whatsapp.TemplateValues{
		Body:      []string{"#4512", "25 November"},
		URLSuffix: map[int]string{0: "4512"},
	})
	if err != nil {
		panic(err)
	}
	b, _ := json.Marshal(tpl)
	fmt.Println(string(b))

	// A value short: refused before Meta would answer 132000.
	_, err = def.Build(whatsapp.TemplateValues{Body: []string{"#4512"}, URLSuffix: map[int]string{0: "4512"}})
	fmt.Println(err)
	// Output:
	// {"name":"ticket_update","language":{"code":"en_US"},"components":[{"type":"body","parameters":[{"type":"text","text":"#4512"},{"type":"text","text":"25 November"}]},{"type":"button","sub_type":"url","index":"0","parameters":[{"type":"text","text":"4512"}]}]}
	// whatsapp: invalid message: template.components: the body has 2 variables, 1 values given
}

func ExampleMessageTemplate_Validate() {
	def := whatsapp.MessageTemplate{
		Name: "ticket_update", Language: "en-US", Category: whatsapp.TemplateCategoryUtility,
		Components: []whatsapp.MessageTemplateComponent{
			{Type: whatsapp.BodyComponent, Text: "Request {{1}}{{2}} was answered.",
				Example: whatsapp.TemplateExample{BodyText: [][]string{{"#4512", "today"}}}},
		},
	}
	err := def.Validate()
	var ve *whatsapp.ValidationError
	if errors.As(err, &ve) {
		fmt.Println(ve.Rule)
		fmt.Println(ve.Field+":", ve.Reason)
	}
	fmt.Println(errors.Is(err, whatsapp.ErrTemplateContent))
	// Output:
	// template.variable.adjacent
	// components[0].text: variables {{1}} and {{2}} are adjacent: put text between them
	// true
}

// templatesExampleAPI stands in for the Cloud API in the template examples.
func templatesExampleAPI() *httptest.Server {
	mux := http.NewServeMux()
	reply := func(w http.ResponseWriter, status int, body string) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		io.WriteString(w, body)
	}
	mux.HandleFunc("GET /v23.0/102290129340398/message_templates", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("after") == "" {
			reply(w, 200, `{"data":[
				{"id":"11","name":"ticket_update","language":"en_US","status":"APPROVED","category":"UTILITY",
				 "components":[{"type":"BODY","text":"We got an answer to your request {{1}}. The team accepted the task, due date {{2}}."}]}],
				"paging":{"cursors":{"after":"QVFI"},"next":"https://graph.facebook.com/next"}}`)
			return
		}
		reply(w, 200, `{"data":[{"id":"12","name":"spring_sale","language":"en_US","status":"PAUSED","category":"MARKETING",
			"quality_score":{"score":"RED"},"components":[{"type":"BODY","text":"Spring sale starts now!"}]}],
			"paging":{"cursors":{"before":"QVFI"}}}`)
	})
	mux.HandleFunc("POST /v23.0/106540352242922/messages", func(w http.ResponseWriter, r *http.Request) {
		reply(w, 200, `{"messaging_product":"whatsapp","contacts":[{"input":"+15551234567","wa_id":"15551234567"}],"messages":[{"id":"wamid.HBgL"}]}`)
	})
	return httptest.NewServer(mux)
}

func ExampleClient_ListTemplates() {
	api := templatesExampleAPI()
	defer api.Close()
	c := whatsapp.NewClient("token", whatsapp.WithBaseURL(api.URL))

	for t, err := range c.ListTemplates(context.Background(), "102290129340398", nil) {
		if err != nil {
			fmt.Println("error:", err)
			break
		}
		fmt.Println(t.Name, t.Language, t.Status, t.Category)
	}
	// Output:
	// ticket_update en_US APPROVED UTILITY
	// spring_sale en_US PAUSED MARKETING
}

func ExampleWithTemplateRegistry() {
	api := templatesExampleAPI()
	defer api.Close()
	reg := &whatsapp.TemplateRegistry{}
	c := whatsapp.NewClient("token", whatsapp.WithBaseURL(api.URL), whatsapp.WithTemplateRegistry(reg))
	ctx := context.Background()
	if err := reg.Sync(ctx, c, "102290129340398"); err != nil {
		panic(err)
	}

	send := func(tpl whatsapp.Template) {
		res, err := c.Send(ctx, "106540352242922", whatsapp.Message{To: "+15551234567", Content: tpl})
		switch {
		case errors.Is(err, whatsapp.ErrTemplatePaused):
			fmt.Println("paused, not sent:", tpl.Name)
		case errors.Is(err, whatsapp.ErrTemplateParams):
			fmt.Println("parameters do not match:", tpl.Name)
		case errors.Is(err, whatsapp.ErrTemplateNotFound):
			fmt.Println("no such approved template:", tpl.Name)
		case err != nil:
			fmt.Println("error:", err)
		default:
			fmt.Println("sent", res.MessageID)
		}
	}
	send(whatsapp.Template{Name: "ticket_update", Language: "en_US", Components: []whatsapp.TemplateComponent{
		whatsapp.BodyParameters(whatsapp.TextParameter("#4512"), whatsapp.TextParameter("25 November"))}})
	send(whatsapp.Template{Name: "ticket_update", Language: "en_US", Components: []whatsapp.TemplateComponent{
		whatsapp.BodyParameters(whatsapp.TextParameter("#4512"))}})
	send(whatsapp.Template{Name: "spring_sale", Language: "en_US"})
	send(whatsapp.Template{Name: "ticket_updates", Language: "en_US"})

	t, _ := reg.LookupTemplate("spring_sale", "en_US")
	fmt.Println(t.Category, t.Status, t.QualityScore.Score)
	// Output:
	// sent wamid.HBgL
	// parameters do not match: ticket_update
	// paused, not sent: spring_sale
	// no such approved template: ticket_updates
	// MARKETING PAUSED RED
}

func ExampleTemplateRegistry_ApplyNotification() {
	reg := &whatsapp.TemplateRegistry{}
	reg.Put("102290129340398", whatsapp.MessageTemplate{Name: "spring_sale", Language: "en_US",
		Status: whatsapp.TemplateStatusApproved, Category: whatsapp.TemplateCategoryMarketing})

	n, err := whatsapp.ParseNotification([]byte(`{"object":"whatsapp_business_account","entry":[{"id":"102290129340398",
		"time":1751247548,"changes":[{"field":"message_template_status_update","value":{"event":"PAUSED",
		"message_template_id":1689556908129836,"message_template_name":"spring_sale","message_template_language":"en-US",
		"reason":null,"other_info":{"title":"FIRST_PAUSE","description":"Paused for 3 hours."}}}]}]}`))
	if err != nil {
		panic(err)
	}
	fmt.Println("applied", reg.ApplyNotification(n))
	t, _ := reg.LookupTemplate("spring_sale", "en_US")
	fmt.Println(t.Status, t.ID)
	// Output:
	// applied 1
	// PAUSED 1689556908129836
}

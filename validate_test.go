package whatsapp

import (
	"errors"
	"strings"
	"testing"
)

// TestValidateLimits checks each documented limit with a message exactly at
// the limit (valid) and one just over it (invalid, naming the field).
func TestValidateLimits(t *testing.T) {
	s := strings.Repeat
	msg := func(c Content) Message { return Message{To: testTo, Content: c} }
	buttons := func(n int) ReplyButtons {
		var bs ReplyButtons
		for i := range n {
			bs = append(bs, ReplyButton{ID: "id" + string(rune('a'+i)), Title: "Title " + string(rune('a'+i))})
		}
		return bs
	}
	rows := func(n int) []ListRow {
		var rs []ListRow
		for i := range n {
			rs = append(rs, ListRow{ID: "r" + string(rune('a'+i)), Title: "Row"})
		}
		return rs
	}
	sections := func(n int) []ListSection {
		var ss []ListSection
		for i := range n {
			ss = append(ss, ListSection{Title: "S", Rows: []ListRow{{ID: "r" + string(rune('a'+i)), Title: "Row"}}})
		}
		return ss
	}
	products := func(n int) []ProductListItemID {
		var ps []ProductListItemID
		for range n {
			ps = append(ps, ProductListItemID{"sku"})
		}
		return ps
	}
	contacts := func(n int) Contacts {
		cs := make(Contacts, n)
		for i := range cs {
			cs[i].Name.FormattedName = "Ana"
		}
		return cs
	}
	zrows := []ListRow{{ID: "z1", Title: "R"}, {ID: "z2", Title: "R"}, {ID: "z3", Title: "R"}, {ID: "z4", Title: "R"}, {ID: "z5", Title: "R"}}
	list := func(l List) Message { return msg(Interactive{Body: "Pick", Action: l}) }
	btn := func(bs ReplyButtons) Message { return msg(Interactive{Body: "Pick", Action: bs}) }

	cases := []struct {
		name      string
		atLimit   Message
		overLimit Message
		field     string
	}{
		{"text body 4096", msg(Text{Body: s("a", 4096)}), msg(Text{Body: s("a", 4097)}), "text.body"},
		{"text body 4096 characters, not bytes", msg(Text{Body: s("é", 4096)}), msg(Text{Body: s("é", 4097)}), "text.body"},
		{"image caption 1024", msg(Image{ID: "1", Caption: s("c", 1024)}), msg(Image{ID: "1", Caption: s("c", 1025)}), "image.caption"},
		{"video caption 1024", msg(Video{ID: "1", Caption: s("c", 1024)}), msg(Video{ID: "1", Caption: s("c", 1025)}), "video.caption"},
		{"document caption 1024", msg(Document{ID: "1", Caption: s("c", 1024)}), msg(Document{ID: "1", Caption: s("c", 1025)}), "document.caption"},
		{"callback data 512", Message{To: testTo, CallbackData: s("d", 512), Content: Text{Body: "x"}}, Message{To: testTo, CallbackData: s("d", 513), Content: Text{Body: "x"}}, "biz_opaque_callback_data"},
		{"contacts 257", msg(contacts(257)), msg(contacts(258)), "contacts"},
		{"reply buttons 3", btn(buttons(3)), btn(buttons(4)), "interactive.action.buttons"},
		{"reply button title 20", btn(ReplyButtons{{ID: "a", Title: s("t", 20)}}), btn(ReplyButtons{{ID: "a", Title: s("t", 21)}}), "interactive.action.buttons[0].reply.title"},
		{"reply button id 256", btn(ReplyButtons{{ID: s("i", 256), Title: "t"}}), btn(ReplyButtons{{ID: s("i", 257), Title: "t"}}), "interactive.action.buttons[0].reply.id"},
		{"reply button titles unique", btn(ReplyButtons{{ID: "a", Title: "Yes"}, {ID: "b", Title: "No"}}), btn(ReplyButtons{{ID: "a", Title: "Yes"}, {ID: "b", Title: "Yes"}}), "interactive.action.buttons[1].reply.title"},
		{"button body 1024", msg(Interactive{Body: s("b", 1024), Action: buttons(1)}), msg(Interactive{Body: s("b", 1025), Action: buttons(1)}), "interactive.body.text"},
		{"header text 60", msg(Interactive{Header: &InteractiveHeader{Text: s("h", 60)}, Body: "b", Action: buttons(1)}), msg(Interactive{Header: &InteractiveHeader{Text: s("h", 61)}, Body: "b", Action: buttons(1)}), "interactive.header.text"},
		{"footer 60", msg(Interactive{Footer: s("f", 60), Body: "b", Action: buttons(1)}), msg(Interactive{Footer: s("f", 61), Body: "b", Action: buttons(1)}), "interactive.footer.text"},
		{"list body 4096", msg(Interactive{Body: s("b", 4096), Action: List{Button: "Go", Sections: sections(1)}}), msg(Interactive{Body: s("b", 4097), Action: List{Button: "Go", Sections: sections(1)}}), "interactive.body.text"},
		{"list button 20", list(List{Button: s("b", 20), Sections: sections(1)}), list(List{Button: s("b", 21), Sections: sections(1)}), "interactive.action.button"},
		{"list sections 10", list(List{Button: "Go", Sections: sections(10)}), list(List{Button: "Go", Sections: sections(11)}), "interactive.action.sections"},
		{"list rows 10 in all", list(List{Button: "Go", Sections: []ListSection{{Title: "A", Rows: rows(5)}, {Title: "B", Rows: zrows}}}), list(List{Button: "Go", Sections: []ListSection{{Title: "A", Rows: rows(6)}, {Title: "B", Rows: zrows}}}), "interactive.action.sections[1].rows[4]"},
		{"list row id 200", list(List{Button: "Go", Sections: []ListSection{{Rows: []ListRow{{ID: s("i", 200), Title: "R"}}}}}), list(List{Button: "Go", Sections: []ListSection{{Rows: []ListRow{{ID: s("i", 201), Title: "R"}}}}}), "interactive.action.sections[0].rows[0].id"},
		{"list row title 24", list(List{Button: "Go", Sections: []ListSection{{Rows: []ListRow{{ID: "i", Title: s("t", 24)}}}}}), list(List{Button: "Go", Sections: []ListSection{{Rows: []ListRow{{ID: "i", Title: s("t", 25)}}}}}), "interactive.action.sections[0].rows[0].title"},
		{"list row description 72", list(List{Button: "Go", Sections: []ListSection{{Rows: []ListRow{{ID: "i", Title: "t", Description: s("d", 72)}}}}}), list(List{Button: "Go", Sections: []ListSection{{Rows: []ListRow{{ID: "i", Title: "t", Description: s("d", 73)}}}}}), "interactive.action.sections[0].rows[0].description"},
		{"list section title 24", list(List{Button: "Go", Sections: []ListSection{{Title: s("t", 24), Rows: rows(1)}}}), list(List{Button: "Go", Sections: []ListSection{{Title: s("t", 25), Rows: rows(1)}}}), "interactive.action.sections[0].title"},
		{"list section title needed with two sections", list(List{Button: "Go", Sections: []ListSection{{Rows: rows(1)}}}), list(List{Button: "Go", Sections: []ListSection{{Title: "A", Rows: []ListRow{{ID: "a", Title: "A"}}}, {Rows: []ListRow{{ID: "b", Title: "B"}}}}}), "interactive.action.sections[1].title"},
		{"list header text only", msg(Interactive{Header: &InteractiveHeader{Text: "H"}, Body: "b", Action: List{Button: "Go", Sections: sections(1)}}), msg(Interactive{Header: &InteractiveHeader{Image: &Image{ID: "1"}}, Body: "b", Action: List{Button: "Go", Sections: sections(1)}}), "interactive.header.type"},
		{"cta display text 20", msg(Interactive{Body: "b", Action: CTAURL{DisplayText: s("d", 20), URL: "https://example.com"}}), msg(Interactive{Body: "b", Action: CTAURL{DisplayText: s("d", 21), URL: "https://example.com"}}), "interactive.action.parameters.display_text"},
		{"flow cta 30", msg(Interactive{Body: "b", Action: Flow{FlowID: "1", CTA: s("c", 30)}}), msg(Interactive{Body: "b", Action: Flow{FlowID: "1", CTA: s("c", 31)}}), "interactive.action.parameters.flow_cta"},
		{"product list 30 items", msg(Interactive{Header: &InteractiveHeader{Text: "H"}, Body: "b", Action: ProductList{CatalogID: "1", Sections: []ProductListSection{{Title: "A", ProductItems: products(30)}}}}), msg(Interactive{Header: &InteractiveHeader{Text: "H"}, Body: "b", Action: ProductList{CatalogID: "1", Sections: []ProductListSection{{Title: "A", ProductItems: products(20)}, {Title: "B", ProductItems: products(11)}}}}), "interactive.action.sections[1].product_items[10]"},
		{"product list needs a header", msg(Interactive{Header: &InteractiveHeader{Text: "H"}, Body: "b", Action: ProductList{CatalogID: "1", Sections: []ProductListSection{{Title: "A", ProductItems: products(1)}}}}), msg(Interactive{Body: "b", Action: ProductList{CatalogID: "1", Sections: []ProductListSection{{Title: "A", ProductItems: products(1)}}}}), "interactive.header"},
		{"location request has no header", msg(Interactive{Body: "b", Action: LocationRequest{}}), msg(Interactive{Header: &InteractiveHeader{Text: "H"}, Body: "b", Action: LocationRequest{}}), "interactive.header"},
		{"template name 512", msg(Template{Name: s("n", 512), Language: "en"}), msg(Template{Name: s("n", 513), Language: "en"}), "template.name"},
		{"template name charset", msg(Template{Name: "order_update_2", Language: "en"}), msg(Template{Name: "Order-Update", Language: "en"}), "template.name"},
		{"template language underscore", msg(Template{Name: "t", Language: "en_US"}), msg(Template{Name: "t", Language: "en-US"}), "template.language.code"},
		{"template button index 0-9", msg(Template{Name: "t", Language: "en", Components: []TemplateComponent{QuickReplyButton(9, "p")}}), msg(Template{Name: "t", Language: "en", Components: []TemplateComponent{QuickReplyButton(10, "p")}}), "template.components[0].index"},
		{"template copy code 20", msg(Template{Name: "t", Language: "en", Components: []TemplateComponent{CopyCodeButton(0, s("C", 20))}}), msg(Template{Name: "t", Language: "en", Components: []TemplateComponent{CopyCodeButton(0, s("C", 21))}}), "template.components[0].parameters[0].coupon_code"},
		{"template text parameter 32768", msg(Template{Name: "t", Language: "en", Components: []TemplateComponent{BodyParameters(TextParameter(s("p", 32768)))}}), msg(Template{Name: "t", Language: "en", Components: []TemplateComponent{BodyParameters(TextParameter(s("p", 32769)))}}), "template.components[0].parameters[0].text"},
		{"template parameters one style", msg(Template{Name: "t", Language: "en", Components: []TemplateComponent{BodyParameters(NamedTextParameter("a", "x"), NamedTextParameter("b", "y"))}}), msg(Template{Name: "t", Language: "en", Components: []TemplateComponent{BodyParameters(NamedTextParameter("a", "x"), TextParameter("y"))}}), "template.components[0].parameters[1].parameter_name"},
		{"template parameter 4 consecutive spaces", msg(Template{Name: "t", Language: "en", Components: []TemplateComponent{BodyParameters(TextParameter("a    b"))}}), msg(Template{Name: "t", Language: "en", Components: []TemplateComponent{BodyParameters(TextParameter("a     b"))}}), "template.components[0].parameters[0].text"},
		{"template body parameter without new lines", msg(Template{Name: "t", Language: "en", Components: []TemplateComponent{BodyParameters(TextParameter("one line"))}}), msg(Template{Name: "t", Language: "en", Components: []TemplateComponent{BodyParameters(TextParameter("two\nlines"))}}), "template.components[0].parameters[0].text"},
		{"recipient 15 digits", Message{To: "+155512345678901", Content: Text{Body: "x"}}, Message{To: "+1555123456789012", Content: Text{Body: "x"}}, "to"},
		{"recipient 7 digits", Message{To: "+1555123", Content: Text{Body: "x"}}, Message{To: "+155512", Content: Text{Body: "x"}}, "to"},
		{"recipient separators", Message{To: "+1 (555) 123-4567", Content: Text{Body: "x"}}, Message{To: "+1 555 123 4567 x9", Content: Text{Body: "x"}}, "to"},
		{"recipient business-scoped id", Message{To: "US.13491208655302741918", Content: Text{Body: "x"}}, Message{To: "US.1349120865530274191!", Content: Text{Body: "x"}}, "to"},
		{"latitude 90", msg(Location{Latitude: 90, Longitude: 180}), msg(Location{Latitude: 90.000001, Longitude: 0}), "location.latitude"},
		{"longitude -180", msg(Location{Latitude: -90, Longitude: -180}), msg(Location{Latitude: 0, Longitude: -180.5}), "location.longitude"},
		{"media link https", msg(Image{Link: "https://example.com/a.png"}), msg(Image{Link: "http://example.com/a.png"}), "image.link"},
		{"media id or link, not both", msg(Image{ID: "1"}), msg(Image{ID: "1", Link: "https://example.com/a.png"}), "image.link"},
		{"media id or link required", msg(Sticker{ID: "1"}), msg(Sticker{}), "sticker.id"},
		{"reaction without context", msg(Reaction{MessageID: "wamid.1", Emoji: "🎉"}), Message{To: testTo, ReplyTo: "wamid.2", Content: Reaction{MessageID: "wamid.1", Emoji: "🎉"}}, "context.message_id"},
		{"reaction single emoji", msg(Reaction{MessageID: "wamid.1", Emoji: "👍🏽"}), msg(Reaction{MessageID: "wamid.1", Emoji: "ok"}), "reaction.emoji"},
		{"contact formatted name", msg(Contacts{{Name: ContactName{FormattedName: "A"}}}), msg(Contacts{{Name: ContactName{FirstName: "A"}}}), "contacts[0].name.formatted_name"},
		{"contact birthday", msg(Contacts{{Name: ContactName{FormattedName: "A"}, Birthday: "2000-02-29"}}), msg(Contacts{{Name: ContactName{FormattedName: "A"}, Birthday: "29/02/2000"}}), "contacts[0].birthday"},
		{"flow id or name", msg(Interactive{Body: "b", Action: Flow{FlowName: "booking", CTA: "Go"}}), msg(Interactive{Body: "b", Action: Flow{FlowID: "1", FlowName: "booking", CTA: "Go"}}), "interactive.action.parameters.flow_id"},
		{"recipient type", Message{To: "120363025000000001", RecipientType: "group", Content: Text{Body: "x"}}, Message{To: testTo, RecipientType: "broadcast", Content: Text{Body: "x"}}, "recipient_type"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.atLimit.Validate(); err != nil {
				t.Errorf("at the limit: %v", err)
			}
			err := tc.overLimit.Validate()
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("over the limit: err = %v, want *ValidationError", err)
			}
			if ve.Field != tc.field {
				t.Errorf("Field = %q, want %q (%v)", ve.Field, tc.field, err)
			}
			if !errors.Is(err, ErrInvalidMessage) {
				t.Errorf("%v does not match ErrInvalidMessage", err)
			}
		})
	}
}

func TestValidationErrorText(t *testing.T) {
	m := Message{To: testTo, Content: Interactive{Body: "b", Action: List{Button: "Go", Sections: []ListSection{
		{Title: "A", Rows: []ListRow{{ID: "a", Title: "A"}}},
		{Title: "B", Rows: []ListRow{{ID: "b", Title: "B"}, {ID: "c", Title: "C"}, {ID: "d", Title: "D"}, {ID: "e", Title: strings.Repeat("x", 31)}}},
	}}}}
	err := m.Validate()
	want := `whatsapp: invalid message: interactive.action.sections[1].rows[3].title: must be at most 24 characters, has 31 (got "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx")`
	if err == nil || err.Error() != want {
		t.Errorf("err = %v\nwant  %s", err, want)
	}
}

func TestTemplateParamsErrorMatchesSentinel(t *testing.T) {
	m := Message{To: testTo, Content: Template{Name: "t", Language: "en", Components: []TemplateComponent{
		BodyParameters(TextParameter("x"), NamedTextParameter("b", "y"))}}}
	err := m.Validate()
	if !errors.Is(err, ErrTemplateParams) || !errors.Is(err, ErrInvalidMessage) {
		t.Errorf("err = %v, want ErrTemplateParams and ErrInvalidMessage", err)
	}
	m.Content = Template{Name: "t", Language: "en", Components: []TemplateComponent{{Type: ComponentBody, Parameters: []TemplateParameter{{Type: "image", Image: &Image{ID: "1"}}}}}}
	if err := m.Validate(); !errors.Is(err, ErrTemplateParams) {
		t.Errorf("image in body: err = %v, want ErrTemplateParams", err)
	}
}

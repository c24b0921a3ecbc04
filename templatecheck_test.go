package whatsapp

import (
	"errors"
	"strings"
	"testing"
)

// templatesValid is a definition that passes every check; each test case
// changes one thing.
func templatesValid() MessageTemplate {
	return MessageTemplate{
		Name: "order_update", Language: "en_US", Category: TemplateCategoryUtility,
		Components: []MessageTemplateComponent{
			{Type: HeaderComponent, Format: HeaderFormatText, Text: "Order {{1}}", Example: TemplateExample{HeaderText: []string{"#1"}}},
			{Type: BodyComponent, Text: "Hello {{1}}, your order {{2}} ships today.", Example: TemplateExample{BodyText: [][]string{{"Ana", "#1"}}}},
			{Type: FooterComponent, Text: "Reply STOP to opt out"},
			{Type: ButtonsComponent, Buttons: []MessageTemplateButton{
				{Type: ButtonTypeQuickReply, Text: "Thanks"},
				{Type: ButtonTypeURL, Text: "Track", URL: "https://example.com/track/{{1}}", Example: []string{"https://example.com/track/1"}},
				{Type: ButtonTypePhoneNumber, Text: "Call us", PhoneNumber: "+15550100"},
			}},
		},
	}
}

func templatesAuth() MessageTemplate {
	return MessageTemplate{Name: "login_code", Language: "en_US", Category: TemplateCategoryAuthentication,
		Components: []MessageTemplateComponent{
			{Type: BodyComponent, AddSecurityRecommendation: true},
			{Type: FooterComponent, CodeExpirationMinutes: 10},
			{Type: ButtonsComponent, Buttons: []MessageTemplateButton{{Type: ButtonTypeOTP, OTPType: OTPCopyCode, Text: "Copy code"}}},
		}}
}

func templatesCarousel() MessageTemplate {
	card := func() MessageTemplateCard {
		return MessageTemplateCard{Components: []MessageTemplateComponent{
			{Type: HeaderComponent, Format: HeaderFormatImage, Example: TemplateExample{HeaderHandle: []string{"4::aGFuZGxl"}}},
			{Type: BodyComponent, Text: "Only {{1}} left", Example: TemplateExample{BodyText: [][]string{{"3"}}}},
			{Type: ButtonsComponent, Buttons: []MessageTemplateButton{{Type: ButtonTypeQuickReply, Text: "More"}}},
		}}
	}
	return MessageTemplate{Name: "summer_cards", Language: "en", Category: TemplateCategoryMarketing,
		Components: []MessageTemplateComponent{
			{Type: BodyComponent, Text: "Our summer picks for you, {{1}}!", Example: TemplateExample{BodyText: [][]string{{"Ana"}}}},
			{Type: CarouselComponent, Cards: []MessageTemplateCard{card(), card()}},
		}}
}

// templatesEdit returns a valid definition changed by f.
func templatesEdit(base func() MessageTemplate, f func(*MessageTemplate)) MessageTemplate {
	t := base()
	f(&t)
	return t
}

func body(t *MessageTemplate) *MessageTemplateComponent    { return t.component(BodyComponent) }
func header(t *MessageTemplate) *MessageTemplateComponent  { return t.component(HeaderComponent) }
func footer(t *MessageTemplate) *MessageTemplateComponent  { return t.component(FooterComponent) }
func buttons(t *MessageTemplate) *MessageTemplateComponent { return t.component(ButtonsComponent) }

func TestValidateTemplate(t *testing.T) {
	r := strings.Repeat
	qr := func(n int) []MessageTemplateButton {
		bs := make([]MessageTemplateButton, n)
		for i := range bs {
			bs[i] = MessageTemplateButton{Type: ButtonTypeQuickReply, Text: "Option"}
		}
		return bs
	}
	urlB := MessageTemplateButton{Type: ButtonTypeURL, Text: "Open", URL: "https://example.com"}
	phone := MessageTemplateButton{Type: ButtonTypePhoneNumber, Text: "Call", PhoneNumber: "+15550100"}
	copyB := MessageTemplateButton{Type: ButtonTypeCopyCode, Example: []string{"SAVE10"}}
	// The body text at exactly n characters, with two variables.
	bodyOf := func(n int) string {
		s := "Hello {{1}}, order {{2}} is ready"
		return s + r("é", n-len([]rune(s)))
	}
	tests := []struct {
		name string
		t    MessageTemplate
		rule string // "" for valid
	}{
		{"valid", templatesValid(), ""},
		{"valid authentication", templatesAuth(), ""},
		{"valid carousel", templatesCarousel(), ""},
		{"valid named", templatesEdit(templatesValid, func(t *MessageTemplate) {
			t.ParameterFormat = ParameterFormatNamed
			*header(t) = MessageTemplateComponent{Type: HeaderComponent, Format: HeaderFormatText, Text: "Order {{order_id}}",
				Example: TemplateExample{HeaderTextNamedParams: []NamedExample{{"order_id", "#1"}}}}
			*body(t) = MessageTemplateComponent{Type: BodyComponent, Text: "Hi {{first_name}}, order {{order_id}} ships.",
				Example: TemplateExample{BodyTextNamedParams: []NamedExample{{"first_name", "Ana"}, {"order_id", "#1"}}}}
		}), ""},
		{"lowercase types accepted", templatesEdit(templatesValid, func(t *MessageTemplate) {
			t.Category = "utility"
			t.Components[0].Type, t.Components[0].Format = "header", "text"
			t.Components[1].Type = "body"
		}), ""},
		{"hyphenated language accepted", templatesEdit(templatesValid, func(t *MessageTemplate) { t.Language = "pt-BR" }), ""},

		// Name.
		{"name missing", templatesEdit(templatesValid, func(t *MessageTemplate) { t.Name = "" }), "template.name.required"},
		{"name charset", templatesEdit(templatesValid, func(t *MessageTemplate) { t.Name = "Order-Update" }), "template.name.charset"},
		{"name at 512", templatesEdit(templatesValid, func(t *MessageTemplate) { t.Name = r("a", 512) }), ""},
		{"name at 513", templatesEdit(templatesValid, func(t *MessageTemplate) { t.Name = r("a", 513) }), "template.name.length"},

		// Language, category, format.
		{"language missing", templatesEdit(templatesValid, func(t *MessageTemplate) { t.Language = "" }), "template.language.required"},
		{"language unknown", templatesEdit(templatesValid, func(t *MessageTemplate) { t.Language = "xx_YY" }), "template.language.unknown"},
		{"category missing", templatesEdit(templatesValid, func(t *MessageTemplate) { t.Category = "" }), "template.category"},
		{"category legacy", templatesEdit(templatesValid, func(t *MessageTemplate) { t.Category = "TRANSACTIONAL" }), "template.category"},
		{"parameter format unknown", templatesEdit(templatesValid, func(t *MessageTemplate) { t.ParameterFormat = "MIXED" }), "template.parameter_format"},
		{"negative ttl", templatesEdit(templatesValid, func(t *MessageTemplate) { t.MessageSendTTLSeconds = -1 }), "template.ttl"},

		// Components.
		{"no body", templatesEdit(templatesValid, func(t *MessageTemplate) { t.Components = append(t.Components[:1], t.Components[2:]...) }), "template.component.body"},
		{"two bodies", templatesEdit(templatesValid, func(t *MessageTemplate) { t.Components = append(t.Components, t.Components[1]) }), "template.component.count"},
		{"two headers", templatesEdit(templatesValid, func(t *MessageTemplate) { t.Components = append(t.Components, t.Components[0]) }), "template.component.count"},
		{"two footers", templatesEdit(templatesValid, func(t *MessageTemplate) { t.Components = append(t.Components, t.Components[2]) }), "template.component.count"},
		{"two button blocks", templatesEdit(templatesValid, func(t *MessageTemplate) { t.Components = append(t.Components, t.Components[3]) }), "template.component.count"},
		{"empty component type", templatesEdit(templatesValid, func(t *MessageTemplate) { t.Components[2].Type = "" }), "template.component.type"},
		{"unknown component type kept", templatesEdit(templatesValid, func(t *MessageTemplate) {
			t.Components = append(t.Components, MessageTemplateComponent{Type: "NEW_KIND"})
		}), ""},

		// Header.
		{"header without format", templatesEdit(templatesValid, func(t *MessageTemplate) { header(t).Format = "" }), "template.header.format"},
		{"header at 60", templatesEdit(templatesValid, func(t *MessageTemplate) { header(t).Text = "Order {{1}}" + r("x", 49) }), ""},
		{"header at 61", templatesEdit(templatesValid, func(t *MessageTemplate) { header(t).Text = "Order {{1}}" + r("x", 50) }), "template.header.length"},
		{"header with two variables", templatesEdit(templatesValid, func(t *MessageTemplate) {
			header(t).Text = "Order {{1}} of {{2}}"
			header(t).Example.HeaderText = []string{"a", "b"}
		}), "template.header.variables"},
		{"header variable without sample", templatesEdit(templatesValid, func(t *MessageTemplate) { header(t).Example = TemplateExample{} }), "template.variable.example"},
		{"header sample without variable", templatesEdit(templatesValid, func(t *MessageTemplate) { header(t).Text = "Your order" }), "template.variable.example"},
		{"image header with handle", templatesEdit(templatesValid, func(t *MessageTemplate) {
			*header(t) = MessageTemplateComponent{Type: HeaderComponent, Format: HeaderFormatImage, Example: TemplateExample{HeaderHandle: []string{"4::aW1n"}}}
		}), ""},
		{"image header without handle", templatesEdit(templatesValid, func(t *MessageTemplate) {
			*header(t) = MessageTemplateComponent{Type: HeaderComponent, Format: HeaderFormatImage}
		}), "template.header.example"},
		{"media header with text", templatesEdit(templatesValid, func(t *MessageTemplate) {
			*header(t) = MessageTemplateComponent{Type: HeaderComponent, Format: HeaderFormatDocument, Text: "x", Example: TemplateExample{HeaderHandle: []string{"h"}}}
		}), "template.header.format"},
		{"location header", templatesEdit(templatesValid, func(t *MessageTemplate) {
			*header(t) = MessageTemplateComponent{Type: HeaderComponent, Format: HeaderFormatLocation}
		}), ""},

		// Body.
		{"body at 1024", templatesEdit(templatesValid, func(t *MessageTemplate) { body(t).Text = bodyOf(1024) }), ""},
		{"body at 1025", templatesEdit(templatesValid, func(t *MessageTemplate) { body(t).Text = bodyOf(1025) }), "template.body.length"},
		{"body empty", templatesEdit(templatesValid, func(t *MessageTemplate) { body(t).Text = "" }), "template.body.length"},

		// Footer.
		{"footer at 60", templatesEdit(templatesValid, func(t *MessageTemplate) { footer(t).Text = r("f", 60) }), ""},
		{"footer at 61", templatesEdit(templatesValid, func(t *MessageTemplate) { footer(t).Text = r("f", 61) }), "template.footer.length"},
		{"footer with a variable", templatesEdit(templatesValid, func(t *MessageTemplate) { footer(t).Text = "Thanks {{1}}!" }), "template.footer.variables"},

		// Variables.
		{"variable first", templatesEdit(templatesValid, func(t *MessageTemplate) { body(t).Text = "{{1}}, your order {{2}} ships." }), "template.variable.edge"},
		{"variable first after spaces", templatesEdit(templatesValid, func(t *MessageTemplate) { body(t).Text = "  {{1}}, your order {{2}} ships." }), "template.variable.edge"},
		{"variable last", templatesEdit(templatesValid, func(t *MessageTemplate) { body(t).Text = "Hello {{1}}, your order is {{2}}" }), "template.variable.edge"},
		{"variable last before newline", templatesEdit(templatesValid, func(t *MessageTemplate) { body(t).Text = "Hello {{1}}, your order is {{2}}\n" }), "template.variable.edge"},
		{"variable before final period is fine", templatesEdit(templatesValid, func(t *MessageTemplate) { body(t).Text = "Hello {{1}}, your order is {{2}}." }), ""},
		{"adjacent", templatesEdit(templatesValid, func(t *MessageTemplate) { body(t).Text = "Hello {{1}}{{2}} there" }), "template.variable.adjacent"},
		{"adjacent with a space", templatesEdit(templatesValid, func(t *MessageTemplate) { body(t).Text = "Hello {{1}} {{2}} there" }), "template.variable.adjacent"},
		{"one character between is fine", templatesEdit(templatesValid, func(t *MessageTemplate) { body(t).Text = "Hello {{1}}/{{2}} there" }), ""},
		{"gap in sequence", templatesEdit(templatesValid, func(t *MessageTemplate) { body(t).Text = "Hello {{1}}, your order {{3}} ships." }), "template.variable.sequence"},
		{"not from 1", templatesEdit(templatesValid, func(t *MessageTemplate) { body(t).Text = "Hello {{2}}, your order {{3}} ships." }), "template.variable.sequence"},
		{"out of order is fine", templatesEdit(templatesValid, func(t *MessageTemplate) { body(t).Text = "Hello {{2}}, your order {{1}} ships." }), ""},
		{"malformed", templatesEdit(templatesValid, func(t *MessageTemplate) { body(t).Text = "Hello {{1}, your order {{2}} ships." }), "template.variable.malformed"},
		{"spaces inside braces", templatesEdit(templatesValid, func(t *MessageTemplate) { body(t).Text = "Hello {{ 1 }}, your order {{2}} ships." }), "template.variable.malformed"},
		{"empty braces", templatesEdit(templatesValid, func(t *MessageTemplate) { body(t).Text = "Hello {{}}, your order {{2}} ships." }), "template.variable.malformed"},
		{"named without NAMED format", templatesEdit(templatesValid, func(t *MessageTemplate) {
			header(t).Text, header(t).Example = "Order", TemplateExample{}
			body(t).Text = "Hello {{name}}, your order ships."
			body(t).Example = TemplateExample{BodyTextNamedParams: []NamedExample{{"name", "Ana"}}}
		}), "template.variable.format"},
		{"positional in NAMED template", templatesEdit(templatesValid, func(t *MessageTemplate) {
			t.ParameterFormat = ParameterFormatNamed
		}), "template.variable.format"},
		{"mixed", templatesEdit(templatesValid, func(t *MessageTemplate) {
			*header(t) = MessageTemplateComponent{Type: HeaderComponent, Format: HeaderFormatText, Text: "Order {{order_id}}",
				Example: TemplateExample{HeaderTextNamedParams: []NamedExample{{"order_id", "#1"}}}}
		}), "template.variable.mixed"},
		{"mixed in a NAMED template", templatesEdit(templatesValid, func(t *MessageTemplate) {
			t.ParameterFormat = ParameterFormatNamed
			*header(t) = MessageTemplateComponent{Type: HeaderComponent, Format: HeaderFormatText, Text: "Order {{order_id}}",
				Example: TemplateExample{HeaderTextNamedParams: []NamedExample{{"order_id", "#1"}}}}
		}), "template.variable.mixed"},
		{"mixed across carousel cards", templatesEdit(templatesCarousel, func(t *MessageTemplate) {
			c := t.component(CarouselComponent)
			for i := range c.Cards {
				c.Cards[i].Components[1].Text = "Only {{count}} left"
			}
		}), "template.variable.mixed"},
		{"uppercase name", templatesEdit(templatesValid, func(t *MessageTemplate) {
			t.ParameterFormat = ParameterFormatNamed
			header(t).Text, header(t).Example = "Order", TemplateExample{}
			body(t).Text = "Hello {{First}}, your order ships."
		}), "template.variable.name"},
		{"named duplicate", templatesEdit(templatesValid, func(t *MessageTemplate) {
			t.ParameterFormat = ParameterFormatNamed
			header(t).Text, header(t).Example = "Order", TemplateExample{}
			body(t).Text = "Hello {{name}}, bye {{name}}, see you."
			body(t).Example = TemplateExample{BodyTextNamedParams: []NamedExample{{"name", "Ana"}}}
		}), "template.variable.duplicate"},
		{"named sample missing", templatesEdit(templatesValid, func(t *MessageTemplate) {
			t.ParameterFormat = ParameterFormatNamed
			header(t).Text, header(t).Example = "Order", TemplateExample{}
			body(t).Text = "Hello {{name}}, order {{order}} ships."
			body(t).Example = TemplateExample{BodyTextNamedParams: []NamedExample{{"name", "Ana"}}}
		}), "template.variable.example"},
		{"named sample extra", templatesEdit(templatesValid, func(t *MessageTemplate) {
			t.ParameterFormat = ParameterFormatNamed
			header(t).Text, header(t).Example = "Order", TemplateExample{}
			body(t).Text = "Hello {{name}}, your order ships."
			body(t).Example = TemplateExample{BodyTextNamedParams: []NamedExample{{"name", "Ana"}, {"other", "x"}}}
		}), "template.variable.example"},
		{"named sample in positional slot", templatesEdit(templatesValid, func(t *MessageTemplate) {
			t.ParameterFormat = ParameterFormatNamed
			header(t).Text, header(t).Example = "Order", TemplateExample{}
			body(t).Text = "Hello {{name}}, your order ships."
			body(t).Example = TemplateExample{BodyText: [][]string{{"Ana"}}}
		}), "template.variable.example"},
		{"too few samples", templatesEdit(templatesValid, func(t *MessageTemplate) { body(t).Example.BodyText = [][]string{{"Ana"}} }), "template.variable.example"},
		{"too many samples", templatesEdit(templatesValid, func(t *MessageTemplate) { body(t).Example.BodyText = [][]string{{"Ana", "#1", "x"}} }), "template.variable.example"},
		{"empty sample", templatesEdit(templatesValid, func(t *MessageTemplate) { body(t).Example.BodyText = [][]string{{"Ana", " "}} }), "template.variable.example"},
		{"two sample rows", templatesEdit(templatesValid, func(t *MessageTemplate) {
			body(t).Example.BodyText = [][]string{{"Ana", "#1"}, {"Bo", "#2"}}
		}), "template.variable.example"},

		// Buttons.
		{"10 quick replies", templatesEdit(templatesValid, func(t *MessageTemplate) { buttons(t).Buttons = qr(10) }), ""},
		{"11 buttons", templatesEdit(templatesValid, func(t *MessageTemplate) { buttons(t).Buttons = qr(11) }), "template.buttons.count"},
		{"empty button block", templatesEdit(templatesValid, func(t *MessageTemplate) { buttons(t).Buttons = nil }), "template.buttons.count"},
		{"2 URL buttons", templatesEdit(templatesValid, func(t *MessageTemplate) { buttons(t).Buttons = []MessageTemplateButton{urlB, urlB} }), ""},
		{"3 URL buttons", templatesEdit(templatesValid, func(t *MessageTemplate) { buttons(t).Buttons = []MessageTemplateButton{urlB, urlB, urlB} }), "template.buttons.count"},
		{"2 phone buttons", templatesEdit(templatesValid, func(t *MessageTemplate) { buttons(t).Buttons = []MessageTemplateButton{phone, phone} }), "template.buttons.count"},
		{"2 copy-code buttons", templatesEdit(templatesValid, func(t *MessageTemplate) { buttons(t).Buttons = []MessageTemplateButton{copyB, copyB} }), "template.buttons.count"},
		{"quick replies after the others", templatesEdit(templatesValid, func(t *MessageTemplate) {
			buttons(t).Buttons = append([]MessageTemplateButton{urlB, phone}, qr(2)...)
		}), ""},
		{"quick replies interleaved", templatesEdit(templatesValid, func(t *MessageTemplate) {
			buttons(t).Buttons = []MessageTemplateButton{qr(1)[0], urlB, qr(1)[0]}
		}), "template.buttons.grouping"},
		{"label at 25", templatesEdit(templatesValid, func(t *MessageTemplate) { buttons(t).Buttons[0].Text = r("b", 25) }), ""},
		{"label at 26", templatesEdit(templatesValid, func(t *MessageTemplate) { buttons(t).Buttons[0].Text = r("b", 26) }), "template.button.text"},
		{"label missing", templatesEdit(templatesValid, func(t *MessageTemplate) { buttons(t).Buttons[0].Text = "" }), "template.button.text"},
		{"button type missing", templatesEdit(templatesValid, func(t *MessageTemplate) { buttons(t).Buttons[0].Type = "" }), "template.button.type"},
		{"URL at 2000", templatesEdit(templatesValid, func(t *MessageTemplate) {
			u := "https://example.com/"
			buttons(t).Buttons[1] = MessageTemplateButton{Type: ButtonTypeURL, Text: "Open", URL: u + r("p", 2000-len(u))}
		}), ""},
		{"URL at 2001", templatesEdit(templatesValid, func(t *MessageTemplate) {
			u := "https://example.com/"
			buttons(t).Buttons[1] = MessageTemplateButton{Type: ButtonTypeURL, Text: "Open", URL: u + r("p", 2001-len(u))}
		}), "template.button.url"},
		{"URL not absolute", templatesEdit(templatesValid, func(t *MessageTemplate) { buttons(t).Buttons[1].URL = "example.com/{{1}}" }), "template.button.url"},
		{"URL variable in the middle", templatesEdit(templatesValid, func(t *MessageTemplate) {
			buttons(t).Buttons[1].URL = "https://example.com/{{1}}/track"
		}), "template.button.url.variable"},
		{"URL with two variables", templatesEdit(templatesValid, func(t *MessageTemplate) {
			buttons(t).Buttons[1].URL = "https://example.com/{{1}}{{2}}"
		}), "template.button.url.variable"},
		{"URL variable not {{1}}", templatesEdit(templatesValid, func(t *MessageTemplate) {
			buttons(t).Buttons[1].URL = "https://example.com/{{2}}"
		}), "template.button.url.variable"},
		{"URL variable without sample", templatesEdit(templatesValid, func(t *MessageTemplate) { buttons(t).Buttons[1].Example = nil }), "template.button.example"},
		{"URL sample without variable", templatesEdit(templatesValid, func(t *MessageTemplate) {
			buttons(t).Buttons[1].URL = "https://example.com/track"
		}), "template.button.example"},
		{"phone at 20", templatesEdit(templatesValid, func(t *MessageTemplate) { buttons(t).Buttons[2].PhoneNumber = "+" + r("1", 19) }), ""},
		{"phone at 21", templatesEdit(templatesValid, func(t *MessageTemplate) { buttons(t).Buttons[2].PhoneNumber = "+" + r("1", 20) }), "template.button.phone"},
		{"copy code at 15", templatesEdit(templatesValid, func(t *MessageTemplate) {
			buttons(t).Buttons = []MessageTemplateButton{{Type: ButtonTypeCopyCode, Example: []string{r("C", 15)}}}
		}), ""},
		{"copy code at 16", templatesEdit(templatesValid, func(t *MessageTemplate) {
			buttons(t).Buttons = []MessageTemplateButton{{Type: ButtonTypeCopyCode, Example: []string{r("C", 16)}}}
		}), "template.button.example"},
		{"copy code without sample", templatesEdit(templatesValid, func(t *MessageTemplate) {
			buttons(t).Buttons = []MessageTemplateButton{{Type: ButtonTypeCopyCode}}
		}), "template.button.example"},
		{"flow by id", templatesEdit(templatesValid, func(t *MessageTemplate) {
			buttons(t).Buttons = []MessageTemplateButton{{Type: ButtonTypeFlow, Text: "Book", FlowID: "123", FlowAction: "navigate", NavigateScreen: "WELCOME"}}
		}), ""},
		{"flow with id and name", templatesEdit(templatesValid, func(t *MessageTemplate) {
			buttons(t).Buttons = []MessageTemplateButton{{Type: ButtonTypeFlow, Text: "Book", FlowID: "123", FlowName: "booking"}}
		}), "template.button.flow"},
		{"flow without flow", templatesEdit(templatesValid, func(t *MessageTemplate) {
			buttons(t).Buttons = []MessageTemplateButton{{Type: ButtonTypeFlow, Text: "Book"}}
		}), "template.button.flow"},
		{"flow bad action", templatesEdit(templatesValid, func(t *MessageTemplate) {
			buttons(t).Buttons = []MessageTemplateButton{{Type: ButtonTypeFlow, Text: "Book", FlowName: "booking", FlowAction: "jump"}}
		}), "template.button.flow"},
		{"OTP outside authentication", templatesEdit(templatesValid, func(t *MessageTemplate) {
			buttons(t).Buttons = []MessageTemplateButton{{Type: ButtonTypeOTP, OTPType: OTPCopyCode}}
		}), "template.auth.only"},
		{"catalog and MPM", templatesEdit(templatesValid, func(t *MessageTemplate) {
			buttons(t).Buttons = []MessageTemplateButton{{Type: ButtonTypeCatalog, Text: "View catalog"}, {Type: ButtonTypeMPM, Text: "View items"}}
		}), ""},

		// Authentication.
		{"auth one tap", templatesEdit(templatesAuth, func(t *MessageTemplate) {
			buttons(t).Buttons[0] = MessageTemplateButton{Type: ButtonTypeOTP, OTPType: OTPOneTap, Text: "Copy", AutofillText: "Autofill",
				PackageName: "com.example.app", SignatureHash: "K8a%2FAINcG"}
		}), ""},
		{"auth zero tap", templatesEdit(templatesAuth, func(t *MessageTemplate) {
			buttons(t).Buttons[0] = MessageTemplateButton{Type: ButtonTypeOTP, OTPType: OTPZeroTap, ZeroTapTermsAccepted: true,
				SupportedApps: []OTPSupportedApp{{"com.example.app", "K8a%2FAINcG"}, {"com.example.beta", "K8a%2FAINcH"}}}
		}), ""},
		{"auth zero tap without terms", templatesEdit(templatesAuth, func(t *MessageTemplate) {
			buttons(t).Buttons[0] = MessageTemplateButton{Type: ButtonTypeOTP, OTPType: OTPZeroTap,
				SupportedApps: []OTPSupportedApp{{"com.example.app", "K8a%2FAINcG"}}}
		}), "template.button.otp.terms"},
		{"auth one tap without app", templatesEdit(templatesAuth, func(t *MessageTemplate) {
			buttons(t).Buttons[0] = MessageTemplateButton{Type: ButtonTypeOTP, OTPType: OTPOneTap}
		}), "template.button.otp"},
		{"auth 5 apps", templatesEdit(templatesAuth, func(t *MessageTemplate) {
			apps := make([]OTPSupportedApp, 5)
			for i := range apps {
				apps[i] = OTPSupportedApp{"com.example.app", "K8a%2FAINcG"}
			}
			buttons(t).Buttons[0] = MessageTemplateButton{Type: ButtonTypeOTP, OTPType: OTPOneTap, SupportedApps: apps}
		}), ""},
		{"auth 6 apps", templatesEdit(templatesAuth, func(t *MessageTemplate) {
			apps := make([]OTPSupportedApp, 6)
			for i := range apps {
				apps[i] = OTPSupportedApp{"com.example.app", "K8a%2FAINcG"}
			}
			buttons(t).Buttons[0] = MessageTemplateButton{Type: ButtonTypeOTP, OTPType: OTPOneTap, SupportedApps: apps}
		}), "template.button.otp"},
		{"auth signature hash 10", templatesEdit(templatesAuth, func(t *MessageTemplate) {
			buttons(t).Buttons[0] = MessageTemplateButton{Type: ButtonTypeOTP, OTPType: OTPOneTap, PackageName: "com.example.app", SignatureHash: "K8a%2FAINc"}
		}), "template.button.otp"},
		{"auth bad otp type", templatesEdit(templatesAuth, func(t *MessageTemplate) { buttons(t).Buttons[0].OTPType = "TWO_TAP" }), "template.button.otp"},
		{"auth with the platform's body text", templatesEdit(templatesAuth, func(t *MessageTemplate) {
			body(t).Text = "{{1}} is your verification code."
		}), ""},
		{"auth expiry 90", templatesEdit(templatesAuth, func(t *MessageTemplate) { footer(t).CodeExpirationMinutes = 90 }), ""},
		{"auth expiry 91", templatesEdit(templatesAuth, func(t *MessageTemplate) { footer(t).CodeExpirationMinutes = 91 }), "template.auth.expiration"},
		{"auth footer text", templatesEdit(templatesAuth, func(t *MessageTemplate) { footer(t).Text = "hi" }), "template.auth.footer"},
		{"auth header", templatesEdit(templatesAuth, func(t *MessageTemplate) {
			t.Components = append([]MessageTemplateComponent{{Type: HeaderComponent, Format: HeaderFormatText, Text: "Code"}}, t.Components...)
		}), "template.auth.header"},
		{"auth without OTP", templatesEdit(templatesAuth, func(t *MessageTemplate) {
			buttons(t).Buttons = []MessageTemplateButton{{Type: ButtonTypeQuickReply, Text: "Hi"}}
		}), "template.auth.button"},
		{"expiry outside authentication", templatesEdit(templatesValid, func(t *MessageTemplate) { footer(t).CodeExpirationMinutes = 5 }), "template.auth.only"},
		{"security recommendation outside authentication", templatesEdit(templatesValid, func(t *MessageTemplate) { body(t).AddSecurityRecommendation = true }), "template.auth.only"},

		// Carousel.
		{"carousel 10 cards", templatesEdit(templatesCarousel, func(t *MessageTemplate) {
			c := t.component(CarouselComponent)
			for len(c.Cards) < 10 {
				c.Cards = append(c.Cards, c.Cards[0])
			}
		}), ""},
		{"carousel 11 cards", templatesEdit(templatesCarousel, func(t *MessageTemplate) {
			c := t.component(CarouselComponent)
			for len(c.Cards) < 11 {
				c.Cards = append(c.Cards, c.Cards[0])
			}
		}), "template.carousel.cards"},
		{"carousel card without header", templatesEdit(templatesCarousel, func(t *MessageTemplate) {
			c := t.component(CarouselComponent)
			c.Cards[1].Components = c.Cards[1].Components[1:]
		}), "template.carousel.header"},
		{"carousel card with a text header", templatesEdit(templatesCarousel, func(t *MessageTemplate) {
			c := t.component(CarouselComponent)
			c.Cards[0].Components[0] = MessageTemplateComponent{Type: HeaderComponent, Format: HeaderFormatText, Text: "Hi"}
		}), "template.carousel.header"},
		{"carousel card with a footer", templatesEdit(templatesCarousel, func(t *MessageTemplate) {
			c := t.component(CarouselComponent)
			c.Cards[0].Components = append(c.Cards[0].Components, MessageTemplateComponent{Type: FooterComponent, Text: "f"})
		}), "template.carousel.card"},
		{"carousel cards differ", templatesEdit(templatesCarousel, func(t *MessageTemplate) {
			c := t.component(CarouselComponent)
			c.Cards[1].Components = []MessageTemplateComponent{c.Cards[1].Components[0], c.Cards[1].Components[1],
				{Type: ButtonsComponent, Buttons: []MessageTemplateButton{urlB}}}
		}), "template.carousel.uniform"},

		// Limited-time offer.
		{"offer at 16", templatesEdit(templatesValid, func(t *MessageTemplate) {
			t.Category = TemplateCategoryMarketing
			t.Components = append(t.Components[:2], MessageTemplateComponent{Type: LimitedTimeOfferComponent, LimitedTimeOffer: &LimitedTimeOffer{Text: r("o", 16), HasExpiration: true}})
		}), ""},
		{"offer at 17", templatesEdit(templatesValid, func(t *MessageTemplate) {
			t.Category = TemplateCategoryMarketing
			t.Components = append(t.Components[:2], MessageTemplateComponent{Type: LimitedTimeOfferComponent, LimitedTimeOffer: &LimitedTimeOffer{Text: r("o", 17)}})
		}), "template.lto.text"},
		{"offer with footer", templatesEdit(templatesValid, func(t *MessageTemplate) {
			t.Category = TemplateCategoryMarketing
			t.Components = append(t.Components, MessageTemplateComponent{Type: LimitedTimeOfferComponent, LimitedTimeOffer: &LimitedTimeOffer{Text: "Sale"}})
		}), "template.lto.footer"},
		{"offer in utility", templatesEdit(templatesValid, func(t *MessageTemplate) {
			t.Components = append(t.Components[:2], MessageTemplateComponent{Type: LimitedTimeOfferComponent, LimitedTimeOffer: &LimitedTimeOffer{Text: "Sale"}})
		}), "template.lto.category"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.t.Validate()
			if tt.rule == "" {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			checkTemplatesErr(t, err, tt.rule, ErrTemplateContent)
			if !errors.Is(err, ErrInvalidMessage) {
				t.Errorf("err does not match ErrInvalidMessage")
			}
		})
	}
}

func TestValidateEditSkipsNameAndLanguage(t *testing.T) {
	tpl := templatesValid()
	tpl.Name, tpl.Language, tpl.Category = "", "", ""
	if err := tpl.validate(true); err != nil {
		t.Errorf("edit validation of a components-only change: %v", err)
	}
	if err := tpl.Validate(); err == nil {
		t.Error("create validation passed without name, language and category")
	}
	tpl.Components[1].Text = "{{1}} starts"
	checkTemplatesErr(t, tpl.validate(true), "template.variable.edge", ErrTemplateContent)
}

func TestLanguages(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"en-US", "en_US"}, {"en_US", "en_US"}, {"en-us", "en_US"}, {" EN_us ", "en_US"}, {"pt-BR", "pt_BR"},
		{"fil", "fil"}, {"EN", "en"}, {"zh-Hant", "zh-Hant"}, {"", ""}, {"e", "e"}, {"en_", "en_"},
	} {
		if got := NormalizeLanguage(tt.in); got != tt.want {
			t.Errorf("NormalizeLanguage(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	for _, code := range []string{"en_US", "en-US", "pt_BR", "zh_TW", "fil", "ky_KG", "rw_RW", "af", "zu"} {
		if !IsKnownLanguage(code) {
			t.Errorf("IsKnownLanguage(%q) = false", code)
		}
	}
	for _, code := range []string{"", "en_XX", "xx", "english", "pt"} {
		if IsKnownLanguage(code) {
			t.Errorf("IsKnownLanguage(%q) = true", code)
		}
	}
	langs := TemplateLanguages()
	if len(langs) < 70 {
		t.Errorf("TemplateLanguages has %d codes, the reference lists more than 70", len(langs))
	}
	for i := 1; i < len(langs); i++ {
		if langs[i-1] >= langs[i] {
			t.Fatalf("TemplateLanguages not sorted and unique at %q, %q", langs[i-1], langs[i])
		}
	}
	langs[0] = "changed"
	if TemplateLanguages()[0] == "changed" {
		t.Error("TemplateLanguages returns the package's own array")
	}
	if a := testing.AllocsPerRun(100, func() { _ = NormalizeLanguage("en_US") }); a != 0 {
		t.Errorf("NormalizeLanguage of a normal code allocates %v times", a)
	}
}

package whatsapp

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
)

// templatesSeedBody is the seeds' example body; it must round-trip.
const templatesSeedBody = "We got an answer to your request {{1}}. The team accepted the task, due date {{2}}."

func TestParseVariables(t *testing.T) {
	tests := []struct {
		name string
		text string
		want []Variable
	}{
		{"none", "Hello there", nil},
		{"empty", "", nil},
		{"seed", templatesSeedBody, []Variable{
			{Name: "1", Index: 1, Start: 33, End: 38},
			{Name: "2", Index: 2, Start: 77, End: 82},
		}},
		{"named", "Hi {{first_name}}, order {{order_id}} ships", []Variable{
			{Name: "first_name", Start: 3, End: 17},
			{Name: "order_id", Start: 25, End: 37},
		}},
		{"adjacent", "{{1}}{{2}}", []Variable{{Name: "1", Index: 1, Start: 0, End: 5}, {Name: "2", Index: 2, Start: 5, End: 10}}},
		{"unicode around", "Olá {{1}} — até {{2}}!", []Variable{
			{Name: "1", Index: 1, Start: 5, End: 10},
			{Name: "2", Index: 2, Start: 20, End: 25},
		}},
		{"single braces are text", "a {b} c } d { {{1}} e", []Variable{{Name: "1", Index: 1, Start: 14, End: 19}}},
		{"stray closing braces are text", "a }} b {{1}} c }}", []Variable{{Name: "1", Index: 1, Start: 7, End: 12}}},
		{"big positional", "x {{999999}} y", []Variable{{Name: "999999", Index: 999999, Start: 2, End: 12}}},
		{"digits in a name", "x {{line_2}} y", []Variable{{Name: "line_2", Start: 2, End: 12}}},
		{"underscore first", "x {{_a}} y", []Variable{{Name: "_a", Start: 2, End: 8}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseVariables(tt.text)
			if err != nil {
				t.Fatalf("ParseVariables: %v", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got)\n%s", diff)
			}
			for _, v := range got {
				if tt.text[v.Start:v.End] != "{{"+v.Name+"}}" {
					t.Errorf("text[%d:%d] = %q, want the placeholder of %q", v.Start, v.End, tt.text[v.Start:v.End], v.Name)
				}
			}
		})
	}
}

func TestParseVariablesMalformed(t *testing.T) {
	tests := []struct {
		text, rule string
		pos        int
	}{
		{"Hi {{1} there", "template.variable.malformed", 3},
		{"Hi {{ 1 }} there", "template.variable.malformed", 3},
		{"Hi {{}} there", "template.variable.malformed", 3},
		{"Hi {{0}} there", "template.variable.malformed", 3},
		{"Hi {{01}} there", "template.variable.malformed", 3},
		{"Hi {{1a}} there", "template.variable.malformed", 3},
		{"Hi {{1234567}} there", "template.variable.malformed", 3},
		{"Hi {{First}} there", "template.variable.name", 3},
		{"Hi {{first-name}} there", "template.variable.malformed", 3},
		{"Hi {{a {{b}} there", "template.variable.malformed", 3},
		{"{{1}} and {{2", "template.variable.malformed", 10},
		{"{{{1}}}", "template.variable.malformed", 0},
		{"end {{", "template.variable.malformed", 4},
		{"tab {{\t1}}", "template.variable.malformed", 4},
		{"é {{ é }}", "template.variable.malformed", 3},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			_, err := ParseVariables(tt.text)
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("err = %v, want a *ValidationError", err)
			}
			if ve.Rule != tt.rule {
				t.Errorf("Rule = %q, want %q", ve.Rule, tt.rule)
			}
			if !strings.Contains(ve.Reason, "at byte "+strconv.Itoa(tt.pos)) {
				t.Errorf("Reason = %q, want it to name byte %d", ve.Reason, tt.pos)
			}
			if !errors.Is(err, ErrTemplateContent) || !errors.Is(err, ErrInvalidMessage) {
				t.Errorf("err does not match ErrTemplateContent and ErrInvalidMessage: %v", err)
			}
			if s, ok := ve.Value.(string); !ok || !utf8.ValidString(s) || !strings.HasPrefix(tt.text[tt.pos:], s) {
				t.Errorf("Value = %q, want a valid snippet of the text from byte %d", ve.Value, tt.pos)
			}
		})
	}
}

func TestAppendVariablesReusesBuffer(t *testing.T) {
	buf := make([]Variable, 0, 8)
	got, err := AppendVariables(buf, "a {{1}} b {{2}} c")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || &got[0] != &buf[:1][0] {
		t.Errorf("AppendVariables did not append into dst: len %d", len(got))
	}
	allocs := testing.AllocsPerRun(100, func() {
		got, _ = AppendVariables(got[:0], templatesSeedBody)
	})
	if allocs != 0 {
		t.Errorf("AppendVariables allocates %v times with a big enough dst, want 0", allocs)
	}
	allocs = testing.AllocsPerRun(100, func() { _, _ = ParseVariables(templatesSeedBody) })
	if allocs != 1 {
		t.Errorf("ParseVariables allocates %v times, want 1 (the result)", allocs)
	}
}

func TestRenderTextSeed(t *testing.T) {
	got, err := RenderText(templatesSeedBody, "#4512", "25 November")
	if err != nil {
		t.Fatal(err)
	}
	const want = "We got an answer to your request #4512. The team accepted the task, due date 25 November."
	if got != want {
		t.Errorf("RenderText = %q, want %q", got, want)
	}
}

func TestRenderText(t *testing.T) {
	tests := []struct {
		name   string
		text   string
		values []string
		want   string
		rule   string // expected error rule, "" for success
		target error
	}{
		{"no variables", "Hello", nil, "Hello", "", nil},
		{"repeat", "{{1}} and {{1}}", []string{"x"}, "x and x", "", nil},
		{"out of order", "b={{2}} a={{1}}", []string{"A", "B"}, "b=B a=A", "", nil},
		{"values with braces are not re-parsed", "x {{1}} y", []string{"{{2}}"}, "x {{2}} y", "", nil},
		{"unicode", "Olá {{1}}!", []string{"José"}, "Olá José!", "", nil},
		{"missing value", "{{1}} {{2}}", []string{"a"}, "", "template.params.count", ErrTemplateParams},
		{"unused value", "{{1}}", []string{"a", "b"}, "", "template.params.count", ErrTemplateParams},
		{"values but no variables", "Hello", []string{"a"}, "", "template.params.count", ErrTemplateParams},
		{"named in positional render", "Hi {{name}}", []string{"a"}, "", "template.params.format", ErrTemplateParams},
		{"malformed", "Hi {{1}", []string{"a"}, "", "template.variable.malformed", ErrTemplateContent},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := RenderText(tt.text, tt.values...)
			checkTemplatesErr(t, err, tt.rule, tt.target)
			if got != tt.want {
				t.Errorf("RenderText = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestRenderNamedText(t *testing.T) {
	tests := []struct {
		name   string
		text   string
		values map[string]string
		want   string
		rule   string
		target error
	}{
		{"two", "Hi {{first_name}}, order {{order_id}}.", map[string]string{"first_name": "Ana", "order_id": "42"}, "Hi Ana, order 42.", "", nil},
		{"repeat", "{{a}}-{{a}}", map[string]string{"a": "x"}, "x-x", "", nil},
		{"no variables no values", "plain", nil, "plain", "", nil},
		{"missing", "Hi {{first_name}} {{last_name}}", map[string]string{"first_name": "Ana"}, "", "template.params.missing", ErrTemplateParams},
		{"unused", "Hi {{first_name}}", map[string]string{"first_name": "Ana", "x": "y"}, "", "template.params.count", ErrTemplateParams},
		{"unused when a name is a substring of another", "Hi {{ab}}", map[string]string{"ab": "1", "a": "2"}, "", "template.params.count", ErrTemplateParams},
		{"positional in named render", "Hi {{1}}", map[string]string{"a": "x"}, "", "template.params.format", ErrTemplateParams},
		{"malformed", "Hi {{ a }}", map[string]string{"a": "x"}, "", "template.variable.malformed", ErrTemplateContent},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := RenderNamedText(tt.text, tt.values)
			checkTemplatesErr(t, err, tt.rule, tt.target)
			if got != tt.want {
				t.Errorf("RenderNamedText = %q, want %q", got, tt.want)
			}
		})
	}
}

// checkTemplatesErr checks that err is nil when rule is "", and otherwise
// a *ValidationError with that rule matching target.
func checkTemplatesErr(t *testing.T, err error, rule string, target error) {
	t.Helper()
	if rule == "" {
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return
	}
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("err = %v, want a *ValidationError with rule %s", err, rule)
	}
	if ve.Rule != rule {
		t.Errorf("Rule = %q, want %q (%v)", ve.Rule, rule, err)
	}
	if target != nil && !errors.Is(err, target) {
		t.Errorf("err does not match %v: %v", target, err)
	}
}

// templatesTicket is a positional utility template with a text header, a
// dynamic URL button and a quick reply.
func templatesTicket() MessageTemplate {
	return MessageTemplate{
		Name: "ticket_update", Language: "en_US", Category: TemplateCategoryUtility,
		Components: []MessageTemplateComponent{
			{Type: HeaderComponent, Format: HeaderFormatText, Text: "Ticket {{1}}", Example: TemplateExample{HeaderText: []string{"#1"}}},
			{Type: BodyComponent, Text: templatesSeedBody, Example: TemplateExample{BodyText: [][]string{{"#1", "1 May"}}}},
			{Type: FooterComponent, Text: "Support team"},
			{Type: ButtonsComponent, Buttons: []MessageTemplateButton{
				{Type: ButtonTypeURL, Text: "Track", URL: "https://example.com/t/{{1}}", Example: []string{"https://example.com/t/1"}},
				{Type: ButtonTypeQuickReply, Text: "Thanks"},
			}},
		},
	}
}

// templatesNamed is a named marketing template with an image header.
func templatesNamed() MessageTemplate {
	return MessageTemplate{
		Name: "order_ready", Language: "en_US", Category: TemplateCategoryMarketing, ParameterFormat: ParameterFormatNamed,
		Components: []MessageTemplateComponent{
			{Type: HeaderComponent, Format: HeaderFormatImage, Example: TemplateExample{HeaderHandle: []string{"4::aW1hZ2U="}}},
			{Type: BodyComponent, Text: "Hi {{first_name}}, your order {{order_id}} is ready.", Example: TemplateExample{
				BodyTextNamedParams: []NamedExample{{"first_name", "Ana"}, {"order_id", "42"}}}},
		},
	}
}

func TestBuildPositional(t *testing.T) {
	def := templatesTicket()
	got, err := def.Build(TemplateValues{
		HeaderText: "#4512",
		Body:       []string{"#4512", "25 November"},
		URLSuffix:  map[int]string{0: "4512"},
		Buttons:    []TemplateComponent{QuickReplyButton(1, "thanks-4512")},
	})
	if err != nil {
		t.Fatal(err)
	}
	b, err := marshalJSON(got)
	if err != nil {
		t.Fatal(err)
	}
	testJSON(t, b, `{"name":"ticket_update","language":{"code":"en_US"},"components":[
		{"type":"header","parameters":[{"type":"text","text":"#4512"}]},
		{"type":"body","parameters":[{"type":"text","text":"#4512"},{"type":"text","text":"25 November"}]},
		{"type":"button","sub_type":"url","index":"0","parameters":[{"type":"text","text":"4512"}]},
		{"type":"button","sub_type":"quick_reply","index":"1","parameters":[{"type":"payload","payload":"thanks-4512"}]}]}`)
	if err := def.Check(got); err != nil {
		t.Errorf("Check of the built template: %v", err)
	}
	// The built body renders to the seeds' text.
	vals := make([]string, len(got.Components[1].Parameters))
	for i, p := range got.Components[1].Parameters {
		vals[i] = p.Text
	}
	if s, err := RenderText(def.Body(), vals...); err != nil || !strings.Contains(s, "request #4512. The team") {
		t.Errorf("RenderText of built values = %q, %v", s, err)
	}
}

func TestBuildNamed(t *testing.T) {
	def := templatesNamed()
	img := ImageParameter(Image{ID: "1234"})
	got, err := def.Build(TemplateValues{
		Named:       map[string]string{"order_id": "#42", "first_name": "Ana"},
		HeaderMedia: &img,
	})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := marshalJSON(got)
	testJSON(t, b, `{"name":"order_ready","language":{"code":"en_US"},"components":[
		{"type":"header","parameters":[{"type":"image","image":{"id":"1234"}}]},
		{"type":"body","parameters":[
			{"type":"text","parameter_name":"first_name","text":"Ana"},
			{"type":"text","parameter_name":"order_id","text":"#42"}]}]}`)
	if err := def.Check(got); err != nil {
		t.Errorf("Check of the built template: %v", err)
	}
}

func TestBuildAuthenticationCarouselOffer(t *testing.T) {
	auth := MessageTemplate{Name: "login_code", Language: "en_US", Category: TemplateCategoryAuthentication,
		Components: []MessageTemplateComponent{
			{Type: BodyComponent, AddSecurityRecommendation: true},
			{Type: FooterComponent, CodeExpirationMinutes: 10},
			{Type: ButtonsComponent, Buttons: []MessageTemplateButton{{Type: ButtonTypeOTP, OTPType: OTPCopyCode, Text: "Copy code"}}},
		}}
	got, err := auth.Build(TemplateValues{Code: "318249"})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := marshalJSON(got)
	testJSON(t, b, `{"name":"login_code","language":{"code":"en_US"},"components":[
		{"type":"body","parameters":[{"type":"text","text":"318249"}]},
		{"type":"button","sub_type":"url","index":"0","parameters":[{"type":"text","text":"318249"}]}]}`)
	if err := auth.Check(got); err != nil {
		t.Errorf("Check: %v", err)
	}
	if _, err := auth.Build(TemplateValues{}); !errors.Is(err, ErrTemplateParams) {
		t.Errorf("Build without Code: err = %v, want ErrTemplateParams", err)
	}

	offer := MessageTemplate{Name: "flash_sale", Language: "en", Category: TemplateCategoryMarketing,
		Components: []MessageTemplateComponent{
			{Type: LimitedTimeOfferComponent, LimitedTimeOffer: &LimitedTimeOffer{Text: "Ends soon", HasExpiration: true}},
			{Type: BodyComponent, Text: "Use {{1}} today.", Example: TemplateExample{BodyText: [][]string{{"SAVE10"}}}},
			{Type: ButtonsComponent, Buttons: []MessageTemplateButton{{Type: ButtonTypeCopyCode, Example: []string{"SAVE10"}}}},
			{Type: CarouselComponent, Cards: []MessageTemplateCard{
				{Components: []MessageTemplateComponent{
					{Type: HeaderComponent, Format: HeaderFormatImage, Example: TemplateExample{HeaderHandle: []string{"h1"}}},
					{Type: ButtonsComponent, Buttons: []MessageTemplateButton{{Type: ButtonTypeURL, Text: "Buy", URL: "https://example.com/p/{{1}}", Example: []string{"https://example.com/p/1"}}}},
				}},
			}},
		}}
	exp := time.UnixMilli(1767225600000)
	img := ImageParameter(Image{Link: "https://example.com/1.png"})
	got, err = offer.Build(TemplateValues{Body: []string{"SAVE10"}, CouponCode: "SAVE10", OfferExpiresAt: exp,
		Cards: []TemplateValues{{HeaderMedia: &img, URLSuffix: map[int]string{0: "sku-1"}}}})
	if err != nil {
		t.Fatal(err)
	}
	b, _ = marshalJSON(got)
	testJSON(t, b, `{"name":"flash_sale","language":{"code":"en"},"components":[
		{"type":"body","parameters":[{"type":"text","text":"SAVE10"}]},
		{"type":"limited_time_offer","parameters":[{"type":"limited_time_offer","limited_time_offer":{"expiration_time_ms":1767225600000}}]},
		{"type":"button","sub_type":"copy_code","index":"0","parameters":[{"type":"coupon_code","coupon_code":"SAVE10"}]},
		{"type":"carousel","cards":[{"card_index":0,"components":[
			{"type":"header","parameters":[{"type":"image","image":{"link":"https://example.com/1.png"}}]},
			{"type":"button","sub_type":"url","index":"0","parameters":[{"type":"text","text":"sku-1"}]}]}]}]}`)
	if err := offer.Check(got); err != nil {
		t.Errorf("Check: %v", err)
	}
}

func TestBuildErrors(t *testing.T) {
	img := ImageParameter(Image{ID: "1"})
	doc := DocumentParameter(Document{ID: "1"})
	tests := []struct {
		name   string
		def    MessageTemplate
		values TemplateValues
		rule   string
		target error
	}{
		{"too few body values", templatesTicket(), TemplateValues{HeaderText: "h", Body: []string{"a"}, URLSuffix: map[int]string{0: "x"}}, "template.params.count", ErrTemplateParams},
		{"too many body values", templatesTicket(), TemplateValues{HeaderText: "h", Body: []string{"a", "b", "c"}, URLSuffix: map[int]string{0: "x"}}, "template.params.count", ErrTemplateParams},
		{"missing header value", templatesTicket(), TemplateValues{Body: []string{"a", "b"}, URLSuffix: map[int]string{0: "x"}}, "template.params.missing", ErrTemplateParams},
		{"missing URL suffix", templatesTicket(), TemplateValues{HeaderText: "h", Body: []string{"a", "b"}}, "template.params.missing", ErrTemplateParams},
		{"URL suffix for a quick reply", templatesTicket(), TemplateValues{HeaderText: "h", Body: []string{"a", "b"}, URLSuffix: map[int]string{0: "x", 1: "y"}}, "template.params.count", ErrTemplateParams},
		{"named values for positional", templatesTicket(), TemplateValues{Named: map[string]string{"a": "b"}}, "template.params.format", ErrTemplateParams},
		{"button sub_type mismatch", templatesTicket(), TemplateValues{HeaderText: "h", Body: []string{"a", "b"}, URLSuffix: map[int]string{0: "x"}, Buttons: []TemplateComponent{CopyCodeButton(1, "X")}}, "template.params.format", ErrTemplateParams},
		{"button filled twice", templatesTicket(), TemplateValues{HeaderText: "h", Body: []string{"a", "b"}, URLSuffix: map[int]string{0: "x"}, Buttons: []TemplateComponent{URLButton(0, "y")}}, "template.params.count", ErrTemplateParams},
		{"button index out of range", templatesTicket(), TemplateValues{HeaderText: "h", Body: []string{"a", "b"}, URLSuffix: map[int]string{0: "x"}, Buttons: []TemplateComponent{QuickReplyButton(5, "p")}}, "template.params.count", ErrTemplateParams},
		{"value breaks a send limit", templatesTicket(), TemplateValues{HeaderText: "h", Body: []string{"a\nb", "c"}, URLSuffix: map[int]string{0: "x"}}, "", ErrInvalidMessage},
		{"positional values for named", templatesNamed(), TemplateValues{Body: []string{"a", "b"}, HeaderMedia: &img}, "template.params.format", ErrTemplateParams},
		{"missing named value", templatesNamed(), TemplateValues{Named: map[string]string{"first_name": "Ana"}, HeaderMedia: &img}, "template.params.missing", ErrTemplateParams},
		{"unused named value", templatesNamed(), TemplateValues{Named: map[string]string{"first_name": "Ana", "order_id": "1", "extra": "x"}, HeaderMedia: &img}, "template.params.count", ErrTemplateParams},
		{"missing media", templatesNamed(), TemplateValues{Named: map[string]string{"first_name": "Ana", "order_id": "1"}}, "template.params.missing", ErrTemplateParams},
		{"wrong media type", templatesNamed(), TemplateValues{Named: map[string]string{"first_name": "Ana", "order_id": "1"}, HeaderMedia: &doc}, "template.params.format", ErrTemplateParams},
		{"coupon without copy-code button", templatesTicket(), TemplateValues{HeaderText: "h", Body: []string{"a", "b"}, URLSuffix: map[int]string{0: "x"}, CouponCode: "X"}, "template.params.count", ErrTemplateParams},
		{"cards without carousel", templatesTicket(), TemplateValues{HeaderText: "h", Body: []string{"a", "b"}, URLSuffix: map[int]string{0: "x"}, Cards: []TemplateValues{{}}}, "template.params.count", ErrTemplateParams},
		{"offer expiry without offer", templatesTicket(), TemplateValues{HeaderText: "h", Body: []string{"a", "b"}, URLSuffix: map[int]string{0: "x"}, OfferExpiresAt: time.Unix(1, 0)}, "template.params.count", ErrTemplateParams},
		{"unused named value when a name fills header and body", MessageTemplate{Name: "x", Language: "en", ParameterFormat: ParameterFormatNamed,
			Components: []MessageTemplateComponent{
				{Type: HeaderComponent, Format: HeaderFormatText, Text: "For {{name}}"},
				{Type: BodyComponent, Text: "Hi {{name}}, welcome."}}},
			TemplateValues{Named: map[string]string{"name": "Ana", "extra": "x"}}, "template.params.count", ErrTemplateParams},
		{"malformed definition", MessageTemplate{Name: "x", Language: "en", Components: []MessageTemplateComponent{{Type: BodyComponent, Text: "Hi {{1}"}}}, TemplateValues{}, "template.variable.malformed", ErrTemplateContent},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.def.Build(tt.values)
			if tt.rule == "" {
				if !errors.Is(err, tt.target) {
					t.Fatalf("err = %v, want %v", err, tt.target)
				}
				return
			}
			checkTemplatesErr(t, err, tt.rule, tt.target)
		})
	}
}

func TestCheck(t *testing.T) {
	ticket := templatesTicket()
	good := Template{Name: "ticket_update", Language: "en_US", Components: []TemplateComponent{
		HeaderParameters(TextParameter("#1")),
		BodyParameters(TextParameter("a"), TextParameter("b")),
		URLButton(0, "x"),
	}}
	named := templatesNamed()
	namedGood := Template{Name: "order_ready", Language: "en-US", Components: []TemplateComponent{
		HeaderParameters(ImageParameter(Image{ID: "1"})),
		BodyParameters(NamedTextParameter("order_id", "1"), NamedTextParameter("first_name", "Ana")),
	}}
	with := func(base Template, f func(*Template)) Template {
		base.Components = append([]TemplateComponent(nil), base.Components...)
		f(&base)
		return base
	}
	tests := []struct {
		name string
		def  MessageTemplate
		send Template
		rule string
	}{
		{"positional ok", ticket, good, ""},
		{"named ok, any order, hyphenated language", named, namedGood, ""},
		{"other name", ticket, with(good, func(m *Template) { m.Name = "other" }), "template.params.template"},
		{"other language", ticket, with(good, func(m *Template) { m.Language = "pt_BR" }), "template.params.template"},
		{"132000: one body value short", ticket, with(good, func(m *Template) { m.Components[1] = BodyParameters(TextParameter("a")) }), "template.params.count"},
		{"132000: no body", ticket, with(good, func(m *Template) { m.Components = m.Components[:1] }), "template.params.count"},
		{"132000: header missing", ticket, with(good, func(m *Template) { m.Components = m.Components[1:] }), "template.params.missing"},
		{"132000: URL button missing", ticket, with(good, func(m *Template) { m.Components = m.Components[:2] }), "template.params.missing"},
		{"132012: parameter_name in positional", ticket, with(good, func(m *Template) {
			m.Components[1] = BodyParameters(NamedTextParameter("a", "a"), TextParameter("b"))
		}), "template.params.format"},
		{"132012: positional in named", named, with(namedGood, func(m *Template) {
			m.Components[1] = BodyParameters(TextParameter("1"), TextParameter("Ana"))
		}), "template.params.format"},
		{"132012: image header sent as document", named, with(namedGood, func(m *Template) {
			m.Components[0] = HeaderParameters(DocumentParameter(Document{ID: "1"}))
		}), "template.params.format"},
		{"unknown name", named, with(namedGood, func(m *Template) {
			m.Components[1] = BodyParameters(NamedTextParameter("order_id", "1"), NamedTextParameter("last_name", "x"))
		}), "template.params.count"},
		{"name twice", named, with(namedGood, func(m *Template) {
			m.Components[1] = BodyParameters(NamedTextParameter("order_id", "1"), NamedTextParameter("order_id", "x"))
		}), "template.params.count"},
		{"button index the template lacks", ticket, with(good, func(m *Template) { m.Components = append(m.Components, QuickReplyButton(4, "p")) }), "template.params.count"},
		{"wrong sub_type", ticket, with(good, func(m *Template) { m.Components = append(m.Components, CopyCodeButton(1, "p")) }), "template.params.format"},
		{"quick reply payload is optional", ticket, with(good, func(m *Template) { m.Components = append(m.Components, QuickReplyButton(1, "p")) }), ""},
		{"header for a template without header", named, with(namedGood, func(m *Template) {
			m.Components = append(m.Components, TemplateComponent{Type: ComponentCarousel})
		}), "template.params.count"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkTemplatesErr(t, tt.def.Check(tt.send), tt.rule, ErrTemplateParams)
		})
	}
}

func TestCheckInfersNamedFormat(t *testing.T) {
	// A list call may omit parameter_format; the text says the variables
	// are named.
	def := templatesNamed()
	def.ParameterFormat = ""
	send := Template{Name: "order_ready", Language: "en_US", Components: []TemplateComponent{
		HeaderParameters(ImageParameter(Image{ID: "1"})),
		BodyParameters(TextParameter("1"), TextParameter("Ana")),
	}}
	checkTemplatesErr(t, def.Check(send), "template.params.format", ErrTemplateParams)
}

// FuzzTemplateVariables checks the placeholder parser and the renderers
// on arbitrary text: no panic, placeholders in order and where they say,
// and a render that agrees with the parse.
func FuzzTemplateVariables(f *testing.F) {
	for _, s := range []string{templatesSeedBody, "{{1}", "{{ 1 }}", "{{}}", "Hi {{first_name}}", "{{1}}{{2}}",
		"{{{{1}}}}", "}}{{", "é{{1}}ü", "{{01}}", "{{9999999}}", "{{a}} {{1}}", "\x00{{\xff}}"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		vars, err := ParseVariables(text)
		if err != nil {
			var ve *ValidationError
			if !errors.As(err, &ve) || ve.Rule == "" || !errors.Is(err, ErrTemplateContent) {
				t.Fatalf("parse error is not a ruled content ValidationError: %#v", err)
			}
			if _, rerr := RenderText(text); rerr == nil {
				t.Fatalf("RenderText accepted a text ParseVariables refused: %q", text)
			}
			return
		}
		prev := 0
		positional := 0
		for _, v := range vars {
			if v.Start < prev || v.End <= v.Start || v.End > len(text) {
				t.Fatalf("bad positions %+v after %d in %q", v, prev, text)
			}
			if text[v.Start:v.End] != "{{"+v.Name+"}}" {
				t.Fatalf("text[%d:%d] = %q, not the placeholder of %q", v.Start, v.End, text[v.Start:v.End], v.Name)
			}
			if (v.Index > 0) == v.Named() {
				t.Fatalf("Named() disagrees with Index: %+v", v)
			}
			if v.Index > 0 {
				positional = max(positional, v.Index)
			}
			prev = v.End
		}
		if positional > 0 && positional < 50 && len(vars) > 0 && !vars[0].Named() {
			values := make([]string, positional)
			for i := range values {
				values[i] = "<" + strconv.Itoa(i+1) + ">"
			}
			out, err := RenderText(text, values...)
			mixed := false
			for _, v := range vars {
				mixed = mixed || v.Named()
			}
			if mixed {
				if err == nil {
					t.Fatalf("RenderText accepted a named variable in %q", text)
				}
				return
			}
			if err != nil {
				var used [50]bool
				for _, v := range vars {
					used[v.Index] = true
				}
				for i := 1; i <= positional; i++ {
					if !used[i] {
						return // a gap: the unused value is refused, rightly
					}
				}
				t.Fatalf("RenderText(%q): %v", text, err)
			}
			if strings.Count(out, "<") < len(vars) {
				t.Fatalf("RenderText(%q) = %q: not every placeholder replaced", text, out)
			}
		}
	})
}

// templatesLongBody is a 1,000-character body with 10 variables.
func templatesLongBody(named bool) string {
	var b strings.Builder
	filler := "Thank you for choosing our service; "
	for i := 1; i <= 10; i++ {
		for b.Len() < i*95 {
			b.WriteString(filler[:min(len(filler), i*95-b.Len())])
		}
		if named {
			fmt.Fprintf(&b, "{{var_%02d}}", i)
		} else {
			fmt.Fprintf(&b, "{{%d}}", i)
		}
	}
	for b.Len() < 1000 {
		b.WriteByte('.')
	}
	return b.String()
}

func TestTemplatesLongBodyShape(t *testing.T) {
	for _, named := range []bool{false, true} {
		s := templatesLongBody(named)
		vars, err := ParseVariables(s)
		if err != nil || len(vars) != 10 || len(s) < 1000 || len(s) > 1010 {
			t.Errorf("long body (named %v): %d bytes, %d variables, %v", named, len(s), len(vars), err)
		}
	}
}

var templatesBenchValues = []string{"Ana", "#4512", "25 November", "Lisbon", "EUR 10.00", "tracking-99", "Monday", "09:30", "gate 4", "row 12"}

var (
	templatesSinkS string
	templatesSinkV []Variable
	templatesSinkT Template
)

// BenchmarkTemplateParseRender: parse + render of a 1,000-character body
// with 10 variables, by the engine and by the floors (a regexp, and a
// hand-written strings.Index loop), in the same run.
func BenchmarkTemplateParseRender(b *testing.B) {
	body := templatesLongBody(false)
	b.Run("engine/parse", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			templatesSinkV, _ = ParseVariables(body)
		}
	})
	b.Run("engine/append", func(b *testing.B) {
		b.ReportAllocs()
		buf := make([]Variable, 0, 16)
		for b.Loop() {
			buf, _ = AppendVariables(buf[:0], body)
		}
		templatesSinkV = buf
	})
	b.Run("engine/render", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			templatesSinkS, _ = RenderText(body, templatesBenchValues...)
		}
	})
	b.Run("engine/parse+render", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			templatesSinkV, _ = ParseVariables(body)
			templatesSinkS, _ = RenderText(body, templatesBenchValues...)
		}
	})
	re := regexp.MustCompile(`\{\{([1-9][0-9]*|[a-z_][a-z0-9_]*)\}\}`)
	b.Run("floor-regexp/parse+render", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			locs := re.FindAllStringSubmatchIndex(body, -1)
			templatesSinkS = re.ReplaceAllStringFunc(body, func(m string) string {
				n, _ := strconv.Atoi(m[2 : len(m)-2])
				return templatesBenchValues[n-1]
			})
			_ = locs
		}
	})
	b.Run("floor-index/parse+render", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var locs [][2]int
			for i := 0; ; {
				j := strings.Index(body[i:], "{{")
				if j < 0 {
					break
				}
				k := strings.Index(body[i+j:], "}}")
				if k < 0 {
					break
				}
				locs = append(locs, [2]int{i + j, i + j + k + 2})
				i += j + k + 2
			}
			var sb strings.Builder
			sb.Grow(len(body) + 64)
			prev := 0
			for _, l := range locs {
				n, _ := strconv.Atoi(body[l[0]+2 : l[1]-2])
				sb.WriteString(body[prev:l[0]])
				sb.WriteString(templatesBenchValues[n-1])
				prev = l[1]
			}
			sb.WriteString(body[prev:])
			templatesSinkS = sb.String()
		}
	})
}

// BenchmarkTemplateBuildNamed: building the send parameters of a named
// template (1,000-character body, 10 variables) from a map, against the
// floor of building the same components by hand from the same map.
func BenchmarkTemplateBuildNamed(b *testing.B) {
	body := templatesLongBody(true)
	def := MessageTemplate{Name: "long_named", Language: "en_US", Category: TemplateCategoryUtility, ParameterFormat: ParameterFormatNamed,
		Components: []MessageTemplateComponent{{Type: BodyComponent, Text: body}}}
	values := map[string]string{}
	names := make([]string, 10)
	for i := range 10 {
		names[i] = fmt.Sprintf("var_%02d", i+1)
		values[names[i]] = templatesBenchValues[i]
	}
	b.Run("engine/build", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var err error
			templatesSinkT, err = def.Build(TemplateValues{Named: values})
			if err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("floor/by-hand", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			ps := make([]TemplateParameter, len(names))
			for i, n := range names {
				ps[i] = NamedTextParameter(n, values[n])
			}
			templatesSinkT = Template{Name: def.Name, Language: def.Language, Components: []TemplateComponent{BodyParameters(ps...)}}
		}
	})
}

// TestBuildFastPathAgreesWithValidate: Build skips the full send checks
// for plain text values it can vouch for; whenever it does, the full
// checks must agree, and every value they refuse must be refused by Build.
func TestBuildFastPathAgreesWithValidate(t *testing.T) {
	def := templatesTicket()
	for _, v := range []string{"ok", "Olá José", "a   b", "a    b", "", " ", "a\nb", "a\tb", "\xff", strings.Repeat("x", MaxTemplateParamLength),
		strings.Repeat("x", MaxTemplateParamLength+1), strings.Repeat("é", MaxTemplateParamLength/2+1)} {
		comps := []TemplateComponent{HeaderParameters(TextParameter(v)), BodyParameters(TextParameter("a"), TextParameter(v)), URLButton(0, v)}
		full := Template{Name: def.Name, Language: def.Language, Components: comps}.validate("template")
		if plainTextParams(comps) && full != nil {
			t.Errorf("fast path vouched for %.20q, the full check says %v", v, full)
		}
		_, err := def.Build(TemplateValues{HeaderText: v, Body: []string{"a", v}, URLSuffix: map[int]string{0: v}})
		if (full != nil) != (err != nil) && v != "" { // an empty header value is "missing" for Build
			t.Errorf("value %.20q: Build err %v, full check %v", v, err, full)
		}
	}
}

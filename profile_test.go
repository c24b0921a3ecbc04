package whatsapp

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestBusinessProfileEndpoints(t *testing.T) {
	allFields := url.Values{"fields": {"about,address,description,email,profile_picture_url,websites,vertical"}}
	full := &BusinessProfile{
		About: "Fresh produce, every day.", Address: "1 Market Street, Springfield", Description: "Family grocer since 1990.",
		Email: "hello@example.com", ProfilePictureURL: "https://pps.whatsapp.net/v/t61/example.jpg",
		Websites: []string{"https://www.example.com/"}, Vertical: VerticalGrocery, MessagingProduct: "whatsapp",
	}
	runMgmtTests(t, []mgmtTestCase{
		{
			name: "get every field", method: "GET", path: "/v23.0/1055/whatsapp_business_profile", query: allFields,
			resp: mediaTestFixture(t, "business_profile.json"),
			call: func(ctx context.Context, c *Client) (any, error) { return c.GetBusinessProfile(ctx, "1055") },
			want: full,
		},
		{
			name: "get some fields", method: "GET", path: "/v23.0/1055/whatsapp_business_profile",
			query: url.Values{"fields": {"about,vertical"}},
			resp:  `{"data":[{"about":"Hi","vertical":"SOMETHING_NEW","messaging_product":"whatsapp"}]}`,
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.GetBusinessProfile(ctx, "1055", "about", "vertical")
			},
			want: &BusinessProfile{About: "Hi", Vertical: "SOMETHING_NEW", MessagingProduct: "whatsapp"},
		},
		{
			name: "get, OpenAPI file's wrapped shape", method: "GET", path: "/v23.0/1055/whatsapp_business_profile", query: allFields,
			resp: `{"data":[{"business_profile":{"about":"Hi","messaging_product":"whatsapp"}}]}`,
			call: func(ctx context.Context, c *Client) (any, error) { return c.GetBusinessProfile(ctx, "1055") },
			want: &BusinessProfile{About: "Hi", MessagingProduct: "whatsapp"},
		},
		{
			name: "update every field", method: "POST", path: "/v23.0/1055/whatsapp_business_profile",
			body: `{"messaging_product":"whatsapp","about":"Open 9-5","address":"1 Market Street","description":"Family grocer",
				"email":"hello@example.com","websites":["https://www.example.com/","http://shop.example.com/"],"vertical":"RETAIL",
				"profile_picture_handle":"4:VGVzdC5wbmc=:aW1hZ2UvanBlZw==:ARa:e:1659995302:2022308451254161:636685196:ARZ"}`,
			resp: `{"success":true}`,
			call: func(ctx context.Context, c *Client) (any, error) {
				return nil, c.UpdateBusinessProfile(ctx, "1055", BusinessProfileUpdate{
					About: "Open 9-5", Address: "1 Market Street", Description: "Family grocer", Email: "hello@example.com",
					Websites: []string{"https://www.example.com/", "http://shop.example.com/"}, Vertical: VerticalRetail,
					ProfilePictureHandle: "4:VGVzdC5wbmc=:aW1hZ2UvanBlZw==:ARa:e:1659995302:2022308451254161:636685196:ARZ",
				})
			},
		},
		{
			name: "update one field", method: "POST", path: "/v23.0/1055/whatsapp_business_profile",
			body: `{"messaging_product":"whatsapp","about":"Back on Monday"}`, resp: `{"success":true}`,
			call: func(ctx context.Context, c *Client) (any, error) {
				return nil, c.UpdateBusinessProfile(ctx, "1055", BusinessProfileUpdate{About: "Back on Monday"})
			},
		},
		{
			name: "limits are inclusive", method: "POST", path: "/v23.0/1055/whatsapp_business_profile",
			body: `{"messaging_product":"whatsapp","about":"` + strings.Repeat("é", 139) + `","address":"` + strings.Repeat("a", 256) +
				`","email":"` + strings.Repeat("e", 116) + `@example.com"}`,
			resp: `{"success":true}`,
			call: func(ctx context.Context, c *Client) (any, error) {
				return nil, c.UpdateBusinessProfile(ctx, "1055", BusinessProfileUpdate{
					About: strings.Repeat("é", 139), Address: strings.Repeat("a", 256), Email: strings.Repeat("e", 116) + "@example.com",
				})
			},
		},
	})
}

// TestBusinessProfileDescription512 checks the description limit of the
// documentation (512), which Meta's OpenAPI file states as 256.
func TestBusinessProfileDescription512(t *testing.T) {
	c, mux := testSetup(t)
	mux.HandleFunc("/v23.0/1055/whatsapp_business_profile", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, `{"success":true}`)
	})
	if err := c.UpdateBusinessProfile(context.Background(), "1055", BusinessProfileUpdate{Description: strings.Repeat("ü", 512)}); err != nil {
		t.Errorf("512 characters: %v", err)
	}
}

func TestBusinessProfileLocalErrors(t *testing.T) {
	tests := []struct {
		name  string
		field string
		u     BusinessProfileUpdate
	}{
		{"about over 139", "about", BusinessProfileUpdate{About: strings.Repeat("a", 140)}},
		{"about blank", "about", BusinessProfileUpdate{About: "   "}},
		{"address over 256", "address", BusinessProfileUpdate{Address: strings.Repeat("a", 257)}},
		{"description over 512", "description", BusinessProfileUpdate{Description: strings.Repeat("ü", 513)}},
		{"email over 128", "email", BusinessProfileUpdate{Email: strings.Repeat("e", 117) + "@example.com"}},
		{"email without @", "email", BusinessProfileUpdate{Email: "hello.example.com"}},
		{"email with space", "email", BusinessProfileUpdate{Email: "hello world@example.com"}},
		{"three websites", "websites", BusinessProfileUpdate{Websites: []string{"https://a.example", "https://b.example", "https://c.example"}}},
		{"website over 256", "websites[1]", BusinessProfileUpdate{Websites: []string{"https://a.example", "https://b.example/" + strings.Repeat("p", 239)}}},
		{"website not a URL", "websites[0]", BusinessProfileUpdate{Websites: []string{"www.example.com"}}},
		{"website ftp", "websites[0]", BusinessProfileUpdate{Websites: []string{"ftp://example.com"}}},
		{"unknown vertical", "vertical", BusinessProfileUpdate{Vertical: "SPACESHIPS"}},
		{"handle with newline", "profile_picture_handle", BusinessProfileUpdate{ProfilePictureHandle: "4:abc\n"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			mgmtTestNoRequest(t, tc.field, func(ctx context.Context, c *Client) error {
				return c.UpdateBusinessProfile(ctx, "1055", tc.u)
			})
		})
	}
}

// TestBusinessVerticals checks the set against the reference's section 2.
func TestBusinessVerticals(t *testing.T) {
	want := strings.Fields("OTHER AUTO BEAUTY APPAREL EDU ENTERTAIN EVENT_PLAN FINANCE GROCERY GOVT HOTEL HEALTH " +
		"NONPROFIT PROF_SERVICES RETAIL TRAVEL RESTAURANT ALCOHOL ONLINE_GAMBLING PHYSICAL_GAMBLING OTC_DRUGS")
	got := businessVerticals()
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("verticals = %v, want %v", got, want)
	}
	for _, v := range want {
		if err := (&BusinessProfileUpdate{Vertical: BusinessVertical(v)}).Validate(); err != nil {
			t.Errorf("%s: %v", v, err)
		}
	}
}

func TestGetBusinessProfileEmpty(t *testing.T) {
	c, mux := testSetup(t)
	mux.HandleFunc("/v23.0/1055/whatsapp_business_profile", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, `{"data":[]}`)
	})
	if _, err := c.GetBusinessProfile(context.Background(), "1055"); err == nil {
		t.Error("no error for an empty data array")
	}
}

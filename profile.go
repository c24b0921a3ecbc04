package whatsapp

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// Business profile limits, in characters. Meta's OpenAPI file gives 256
// for the description; the documentation, followed here, gives 512.
const (
	MaxProfileAboutLength       = 139
	MaxProfileAddressLength     = 256
	MaxProfileDescriptionLength = 512
	MaxProfileEmailLength       = 128
	MaxProfileWebsites          = 2
	MaxProfileWebsiteLength     = 256
)

// BusinessVertical is the industry of a business profile. Unknown values
// are kept as they come.
type BusinessVertical string

// Documented business verticals.
const (
	VerticalOther                BusinessVertical = "OTHER"
	VerticalAuto                 BusinessVertical = "AUTO"
	VerticalBeauty               BusinessVertical = "BEAUTY"
	VerticalApparel              BusinessVertical = "APPAREL"
	VerticalEducation            BusinessVertical = "EDU"
	VerticalEntertainment        BusinessVertical = "ENTERTAIN"
	VerticalEventPlanning        BusinessVertical = "EVENT_PLAN"
	VerticalFinance              BusinessVertical = "FINANCE"
	VerticalGrocery              BusinessVertical = "GROCERY"
	VerticalGovernment           BusinessVertical = "GOVT"
	VerticalHotel                BusinessVertical = "HOTEL"
	VerticalHealth               BusinessVertical = "HEALTH"
	VerticalNonprofit            BusinessVertical = "NONPROFIT"
	VerticalProfessionalServices BusinessVertical = "PROF_SERVICES"
	VerticalRetail               BusinessVertical = "RETAIL"
	VerticalTravel               BusinessVertical = "TRAVEL"
	VerticalRestaurant           BusinessVertical = "RESTAURANT"
	VerticalAlcohol              BusinessVertical = "ALCOHOL"
	VerticalOnlineGambling       BusinessVertical = "ONLINE_GAMBLING"
	VerticalPhysicalGambling     BusinessVertical = "PHYSICAL_GAMBLING"
	VerticalOTCDrugs             BusinessVertical = "OTC_DRUGS"
)

func businessVerticals() []string {
	return []string{"OTHER", "AUTO", "BEAUTY", "APPAREL", "EDU", "ENTERTAIN", "EVENT_PLAN", "FINANCE", "GROCERY",
		"GOVT", "HOTEL", "HEALTH", "NONPROFIT", "PROF_SERVICES", "RETAIL", "TRAVEL", "RESTAURANT", "ALCOHOL",
		"ONLINE_GAMBLING", "PHYSICAL_GAMBLING", "OTC_DRUGS"}
}

// BusinessProfile is the profile WhatsApp users see for a business phone
// number.
type BusinessProfile struct {
	// About is the short status text under the name (1 to 139 characters).
	About string `json:"about,omitempty"`
	// Address is the business address (up to 256 characters).
	Address string `json:"address,omitempty"`
	// Description describes the business (up to 512 characters).
	Description string `json:"description,omitempty"`
	// Email is the contact address (up to 128 characters).
	Email string `json:"email,omitempty"`
	// ProfilePictureURL is the profile picture (read only; set it with
	// BusinessProfileUpdate.ProfilePictureHandle).
	ProfilePictureURL string `json:"profile_picture_url,omitempty"`
	// Websites are up to 2 URLs of up to 256 characters.
	Websites []string `json:"websites,omitempty"`
	// Vertical is the business's industry.
	Vertical BusinessVertical `json:"vertical,omitempty"`
	// MessagingProduct is "whatsapp".
	MessagingProduct string `json:"messaging_product,omitempty"`

	// Raw is the object as received, with the fields not modelled here.
	Raw json.RawMessage `json:"-"`
}

// profileFields are the fields GetBusinessProfile asks for by default.
const profileFields = "about,address,description,email,profile_picture_url,websites,vertical"

// GetBusinessProfile returns the business profile of phoneNumberID. fields
// selects the fields returned; none means all of them (about, address,
// description, email, profile_picture_url, websites, vertical). It returns
// a *ValidationError for a bad id and an *APIError when the API refuses
// the call.
//
// Cloud API: GET /{phone-number-id}/whatsapp_business_profile.
func (c *Client) GetBusinessProfile(ctx context.Context, phoneNumberID string, fields ...string) (*BusinessProfile, error) {
	seg, err := pathSegment("phone_number_id", phoneNumberID)
	if err != nil {
		return nil, err
	}
	f := profileFields
	if len(fields) > 0 {
		f = strings.Join(fields, ",")
	}
	var out struct {
		Data []json.RawMessage `json:"data"`
	}
	path := seg + "/whatsapp_business_profile"
	if err := c.do(ctx, &request{method: http.MethodGet, path: path, query: url.Values{"fields": {f}}}, &out); err != nil {
		return nil, err
	}
	if len(out.Data) == 0 {
		return nil, fmt.Errorf("whatsapp: GET /%s/%s: the API answered no profile", c.version, path)
	}
	raw := out.Data[0]
	// Meta's OpenAPI file wraps the profile in "business_profile"; the API
	// as documented does not. Accept both.
	var wrapped struct {
		BusinessProfile json.RawMessage `json:"business_profile"`
	}
	if json.Unmarshal(raw, &wrapped) == nil && len(wrapped.BusinessProfile) > 0 && wrapped.BusinessProfile[0] == '{' {
		raw = wrapped.BusinessProfile
	}
	p := new(BusinessProfile)
	if err := json.Unmarshal(raw, p); err != nil {
		return nil, fmt.Errorf("whatsapp: GET /%s/%s: decoding response: %w", c.version, path, err)
	}
	p.Raw = bytes.Clone(raw)
	return p, nil
}

// BusinessProfileUpdate is the change to a business profile. Empty fields
// are left as they are.
type BusinessProfileUpdate struct {
	// About is the short status text (1 to 139 characters).
	About string `json:"about,omitempty"`
	// Address is the business address (up to 256 characters).
	Address string `json:"address,omitempty"`
	// Description describes the business (up to 512 characters).
	Description string `json:"description,omitempty"`
	// Email is the contact address (up to 128 characters).
	Email string `json:"email,omitempty"`
	// Websites replaces the websites: up to 2 http(s) URLs of up to 256
	// characters.
	Websites []string `json:"websites,omitempty"`
	// Vertical is the business's industry, one of the Vertical constants.
	Vertical BusinessVertical `json:"vertical,omitempty"`
	// ProfilePictureHandle is a handle from the Resumable Upload API that
	// sets the profile picture.
	ProfilePictureHandle string `json:"profile_picture_handle,omitempty"`
}

// Validate checks the documented limits and returns a *ValidationError
// naming the first field that breaks one, or nil.
func (u *BusinessProfileUpdate) Validate() error {
	if u.About != "" {
		if err := checkText("about", u.About, 1, MaxProfileAboutLength); err != nil {
			return err
		}
	}
	if err := checkText("address", u.Address, 0, MaxProfileAddressLength); err != nil {
		return err
	}
	if err := checkText("description", u.Description, 0, MaxProfileDescriptionLength); err != nil {
		return err
	}
	if u.Email != "" {
		if err := checkText("email", u.Email, 0, MaxProfileEmailLength); err != nil {
			return err
		}
		if at := strings.LastIndexByte(u.Email, '@'); at < 1 || at == len(u.Email)-1 || strings.ContainsAny(u.Email, " \t\r\n<>") {
			return invalid("email", "must be an email address", u.Email)
		}
	}
	if err := checkCount("websites", len(u.Websites), 0, MaxProfileWebsites); err != nil {
		return err
	}
	for i, w := range u.Websites {
		if err := checkURL(index("websites", i), w, MaxProfileWebsiteLength, "http", "https"); err != nil {
			return err
		}
	}
	if u.Vertical != "" {
		if err := oneOf("vertical", string(u.Vertical), businessVerticals()...); err != nil {
			return err
		}
	}
	if u.ProfilePictureHandle != "" {
		return checkID("profile_picture_handle", u.ProfilePictureHandle, 4096)
	}
	return nil
}

type profileUpdateBody struct {
	MessagingProduct string `json:"messaging_product"`
	*BusinessProfileUpdate
}

// UpdateBusinessProfile changes the business profile of phoneNumberID. It
// returns a *ValidationError, before any request, when u breaks a
// documented limit (see BusinessProfileUpdate.Validate), and an *APIError
// when the API refuses the call.
//
// Cloud API: POST /{phone-number-id}/whatsapp_business_profile.
func (c *Client) UpdateBusinessProfile(ctx context.Context, phoneNumberID string, u BusinessProfileUpdate) error {
	seg, err := pathSegment("phone_number_id", phoneNumberID)
	if err != nil {
		return err
	}
	if err := u.Validate(); err != nil {
		return err
	}
	return c.postSuccess(ctx, seg+"/whatsapp_business_profile", profileUpdateBody{MessagingProduct: "whatsapp", BusinessProfileUpdate: &u})
}

package whatsapp

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

const (
	webhookTestWABA    = "102290129340398"
	webhookTestPNID    = "106540352242922"
	webhookTestDisplay = "15550783881"
	webhookTestUser    = "15555551234"
)

// webhookTestPayload reads testdata/webhooks/<name>.
func webhookTestPayload(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "webhooks", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// webhookTestParse reads and parses testdata/webhooks/<name>.
func webhookTestParse(t testing.TB, name string) *Notification {
	t.Helper()
	n, err := ParseNotification(webhookTestPayload(t, name))
	if err != nil {
		t.Fatalf("ParseNotification(%s): %v", name, err)
	}
	return n
}

func webhookTestTime(sec int64) time.Time { return time.Unix(sec, 0).UTC() }

// webhookTestMsg is the context every message of the single-change
// payloads carries.
func webhookTestMsg(m InboundMessage) *InboundMessage {
	m.WABAID, m.PhoneNumberID, m.DisplayPhoneNumber = webhookTestWABA, webhookTestPNID, webhookTestDisplay
	if m.From == "" {
		m.From = webhookTestUser
	}
	if m.Type != "system" && m.Sender == nil {
		m.Sender = &WebhookContact{Profile: ContactProfile{Name: "Sheena Nelson"}, WaID: webhookTestUser}
		m.ProfileName = "Sheena Nelson"
	}
	return &m
}

func TestParseNotificationMessages(t *testing.T) {
	bsuid := "US.13491208655302741918"
	tests := []struct {
		file string
		want []*InboundMessage
	}{
		{"message_text.json", []*InboundMessage{webhookTestMsg(InboundMessage{
			ID: "wamid.TEXT1", FromUserID: bsuid, Timestamp: webhookTestTime(1749416383), Type: "text",
			Text:        &InboundText{Body: "Does it come in another color?"},
			Sender:      &WebhookContact{Profile: ContactProfile{Name: "Sheena Nelson"}, WaID: webhookTestUser, UserID: bsuid, IdentityKeyHash: "DF2lS5v2W6x="},
			ProfileName: "Sheena Nelson",
		})}},
		{"message_text_context.json", []*InboundMessage{webhookTestMsg(InboundMessage{
			ID: "wamid.TEXT2", Timestamp: webhookTestTime(1750016800), Type: "text",
			Text: &InboundText{Body: "Is this still available?"},
			Context: &MessageContext{From: webhookTestDisplay, ID: "wamid.PRODUCT1", Forwarded: true,
				ReferredProduct: &ReferredProduct{CatalogID: "194836987003835", ProductRetailerID: "di9ozbzfi4"}},
		})}},
		{"message_forwarded.json", []*InboundMessage{webhookTestMsg(InboundMessage{
			ID: "wamid.FWD1", Timestamp: webhookTestTime(1750016801), Type: "text",
			Text: &InboundText{Body: "forwarded many times"}, Context: &MessageContext{FrequentlyForwarded: true},
		})}},
		{"message_referral.json", []*InboundMessage{webhookTestMsg(InboundMessage{
			ID: "wamid.REF1", Timestamp: webhookTestTime(1750275992), Type: "text",
			Text: &InboundText{Body: "Hello! Can I get more info on this?"},
			Referral: &Referral{SourceURL: "https://fb.me/3cr4Wqqkv", SourceID: "120226305854810726", SourceType: "ad",
				Body: "Summer Succulents are here!", Headline: "Chat with us", MediaType: "video",
				VideoURL: "https://example.com/video.mp4", ThumbnailURL: "https://example.com/thumb.jpg",
				CTWAClickID: "Aff-n8ZTODiE79d22KtAwQ", WelcomeMessage: &WelcomeMessage{Text: "Hi there! Let us know how we can help!"}},
		})}},
		{"message_image.json", []*InboundMessage{webhookTestMsg(InboundMessage{
			ID: "wamid.IMG1", Timestamp: webhookTestTime(1744344496), Type: "image",
			Image: &InboundMedia{ID: "1003383421387256", MIMEType: "image/jpeg", SHA256: "SfInY0gGKTsJlUWbwxC1k+FAD0FZHvzwfpvO0zX0GUI=",
				Caption: "Taj Mahal", URL: "https://lookaside.fbsbx.com/whatsapp_business/attachments/?mid=1003383421387256"},
		})}},
		{"message_audio.json", []*InboundMessage{webhookTestMsg(InboundMessage{
			ID: "wamid.AUD1", Timestamp: webhookTestTime(1744344497), Type: "audio",
			Audio: &InboundMedia{ID: "1003383421387257", MIMEType: "audio/ogg; codecs=opus", SHA256: "aGFzaA==", Voice: true},
		})}},
		{"message_video.json", []*InboundMessage{webhookTestMsg(InboundMessage{
			ID: "wamid.VID1", Timestamp: webhookTestTime(1744344498), Type: "video",
			Video: &InboundMedia{ID: "1003383421387258", MIMEType: "video/mp4", SHA256: "dmlkZW8=", Caption: "My vacation video"},
		})}},
		{"message_sticker.json", []*InboundMessage{webhookTestMsg(InboundMessage{
			ID: "wamid.STK1", Timestamp: webhookTestTime(1744344499), Type: "sticker",
			Sticker: &InboundMedia{ID: "1003383421387259", MIMEType: "image/webp", SHA256: "c3RpY2tlcg==", Animated: true},
		})}},
		{"message_document.json", []*InboundMessage{webhookTestMsg(InboundMessage{
			ID: "wamid.DOC1", Timestamp: webhookTestTime(1744344500), Type: "document",
			Document: &InboundMedia{ID: "1003383421387261", MIMEType: "application/pdf", SHA256: "ZG9j/Ym9keQ==",
				Caption: "Factura nº 7 — 📄", Filename: "factura 7.pdf",
				URL: "https://lookaside.fbsbx.com/whatsapp_business/attachments/?mid=1003383421387261"},
			Sender:      &WebhookContact{Profile: ContactProfile{Name: "José María"}, WaID: webhookTestUser},
			ProfileName: "José María",
		})}},
		{"message_location.json", []*InboundMessage{webhookTestMsg(InboundMessage{
			ID: "wamid.LOC1", Timestamp: webhookTestTime(1744344496), Type: "location",
			Location: &InboundLocation{Latitude: 37.44221496582, Longitude: -122.16165924072, Name: "Philz Coffee",
				Address: "101 Forest Ave, Palo Alto, CA 94301", URL: "https://philzcoffee.com/"},
		})}},
		{"message_contacts.json", []*InboundMessage{webhookTestMsg(InboundMessage{
			ID: "wamid.CON1", Timestamp: webhookTestTime(1744344496), Type: "contacts",
			Contacts: []Contact{{
				Name:     ContactName{FormattedName: "Lucía Gómez", FirstName: "Lucía", LastName: "Gómez"},
				Org:      ContactOrg{Company: "Lucky Shrub"},
				Phones:   []ContactPhone{{Phone: "+1 (555) 555-2319", WaID: "15555552319", Type: "MOBILE"}},
				Emails:   []ContactEmail{{Email: "lucia@example.com", Type: "WORK"}},
				Birthday: "1999-01-23",
			}},
		})}},
		{"message_interactive_button_reply.json", []*InboundMessage{webhookTestMsg(InboundMessage{
			ID: "wamid.INT1", Timestamp: webhookTestTime(1750025136), Type: "interactive",
			Context:     &MessageContext{From: webhookTestDisplay, ID: "wamid.BUTTONS1"},
			Interactive: &InboundInteractive{Type: "button_reply", ButtonReply: &ButtonReply{ID: "cancel-button", Title: "Cancel"}},
		})}},
		{"message_interactive_list_reply.json", []*InboundMessage{webhookTestMsg(InboundMessage{
			ID: "wamid.INT2", Timestamp: webhookTestTime(1749854575), Type: "interactive",
			Context: &MessageContext{From: webhookTestDisplay, ID: "wamid.LIST1"},
			Interactive: &InboundInteractive{Type: "list_reply", ListReply: &ListReply{ID: "priority_express",
				Title: "Priority Mail Express", Description: "Next Day to 2 Days"}},
		})}},
		{"message_interactive_nfm_reply.json", []*InboundMessage{webhookTestMsg(InboundMessage{
			ID: "wamid.INT3", Timestamp: webhookTestTime(1749854576), Type: "interactive",
			Context: &MessageContext{From: webhookTestDisplay, ID: "wamid.FLOW1"},
			Interactive: &InboundInteractive{Type: "nfm_reply", NFMReply: &NFMReply{
				ResponseJSON: `{"flow_token":"abc","size":"M"}`, Body: "Sent", Name: "flow"}},
		})}},
		{"message_button.json", []*InboundMessage{webhookTestMsg(InboundMessage{
			ID: "wamid.BTN1", Timestamp: webhookTestTime(1750091045), Type: "button",
			Context: &MessageContext{From: webhookTestDisplay, ID: "wamid.TEMPLATE1"},
			Button:  &InboundButton{Payload: "Unsubscribe", Text: "Unsubscribe"},
		})}},
		{"message_reaction.json", []*InboundMessage{
			webhookTestMsg(InboundMessage{ID: "wamid.REA1", Timestamp: webhookTestTime(1749419544), Type: "reaction",
				Reaction: &InboundReaction{MessageID: "wamid.SENT1", Emoji: "👍"}}),
			webhookTestMsg(InboundMessage{ID: "wamid.REA2", Timestamp: webhookTestTime(1749419545), Type: "reaction",
				Reaction: &InboundReaction{MessageID: "wamid.SENT1"}}),
		}},
		{"message_order.json", []*InboundMessage{webhookTestMsg(InboundMessage{
			ID: "wamid.ORD1", Timestamp: webhookTestTime(1750096325), Type: "order",
			Order: &Order{CatalogID: "194836987003835", ProductItems: []OrderItem{
				{ProductRetailerID: "di9ozbzfi4", Quantity: 2, ItemPrice: 30, Currency: "USD"},
				{ProductRetailerID: "nqryix03ez", Quantity: 1, ItemPrice: 25.5, Currency: "USD"},
			}},
		})}},
		{"message_system.json", []*InboundMessage{webhookTestMsg(InboundMessage{
			ID: "wamid.SYS1", Timestamp: webhookTestTime(1750269342), Type: "system",
			System: &SystemChange{Body: "User Sheena Nelson changed from 15555551234 to 15555555358",
				WaID: "15555555358", Type: "user_changed_number"},
		})}},
		{"message_request_welcome.json", []*InboundMessage{webhookTestMsg(InboundMessage{
			ID: "wamid.WEL1", Timestamp: webhookTestTime(1750269343), Type: "request_welcome",
		})}},
		{"message_unsupported.json", []*InboundMessage{webhookTestMsg(InboundMessage{
			ID: "wamid.UNS1", Timestamp: webhookTestTime(1750090702), Type: "unsupported",
			Unsupported: &Unsupported{Type: "poll_creation"},
			Errors: []*APIError{{Code: 131051, Title: "Message type unknown", Message: "Message type unknown",
				Details: "Message type is currently not supported."}},
		})}},
		{"message_edit_unknown.json", []*InboundMessage{webhookTestMsg(InboundMessage{
			ID: "wamid.EDT1", Timestamp: webhookTestTime(1750090703), Type: "edit",
			Extra: map[string]json.RawMessage{
				"edit":     json.RawMessage(`{"original_message_id":"wamid.TEXT1","message":{"type":"text","text":{"body":"fixed typo"}}}`),
				"group_id": json.RawMessage(`"GROUP1"`),
			},
		})}},
		{"message_media_failed.json", []*InboundMessage{webhookTestMsg(InboundMessage{
			ID: "wamid.IMG2", Timestamp: webhookTestTime(1750090704), Type: "image",
			Image: &InboundMedia{ID: "1003383421387260", MIMEType: "image/jpeg", SHA256: "aGFzaA=="},
			Errors: []*APIError{{Code: 131052, Title: "Media download error", Message: "Media download error",
				Details: "File over 100 MB", Href: "https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/"}},
		})}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			n := webhookTestParse(t, tt.file)
			if diff := cmp.Diff(tt.want, n.Messages()); diff != "" {
				t.Errorf("Messages() mismatch (-want +got):\n%s", diff)
			}
			if got := n.Statuses(); len(got) != 0 {
				t.Errorf("Statuses() = %d items, want none", len(got))
			}
			if got := n.Events(); len(got) != 0 {
				t.Errorf("Events() = %d items, want none", len(got))
			}
		})
	}
}

func TestInboundMessageRawContent(t *testing.T) {
	m := webhookTestParse(t, "message_edit_unknown.json").Messages()[0]
	var edit struct {
		OriginalMessageID string `json:"original_message_id"`
	}
	if err := json.Unmarshal(m.RawContent(), &edit); err != nil || edit.OriginalMessageID != "wamid.TEXT1" {
		t.Errorf("RawContent() = %s (%v), want the edit object", m.RawContent(), err)
	}
}

func webhookTestStatus(s Status) Status {
	s.WABAID, s.PhoneNumberID, s.DisplayPhoneNumber = webhookTestWABA, webhookTestPNID, webhookTestDisplay
	return s
}

func TestParseNotificationStatuses(t *testing.T) {
	tests := []struct {
		file string
		want []Status
	}{
		{"status_sent.json", []Status{webhookTestStatus(Status{
			ID: "wamid.SENT1", Status: "sent", Timestamp: webhookTestTime(1750263773), RecipientID: webhookTestUser,
			RecipientUserID: "US.13491208655302741918", CallbackData: "order-42",
			Conversation: &Conversation{ID: "CONVERSATION_ID", ExpirationTimestamp: webhookTestTime(1750350173),
				Origin: ConversationOrigin{Type: "referral_conversion"}},
			Pricing: &Pricing{PricingModel: "PMP", Category: "referral_conversion", Type: "free_entry_point"},
		})}},
		{"status_lifecycle.json", []Status{
			webhookTestStatus(Status{ID: "wamid.SENT1", Status: "delivered", Timestamp: webhookTestTime(1750263774), RecipientID: webhookTestUser,
				Pricing: &Pricing{Billable: true, PricingModel: "PMP", Category: "utility", Type: "regular"}}),
			webhookTestStatus(Status{ID: "wamid.SENT1", Status: "read", Timestamp: webhookTestTime(1750263775), RecipientID: webhookTestUser}),
			webhookTestStatus(Status{ID: "wamid.VOICE1", Status: "played", Timestamp: webhookTestTime(1750263776), RecipientID: webhookTestUser}),
			webhookTestStatus(Status{ID: "wamid.GRP1", Status: "sent", Timestamp: webhookTestTime(1750263777), RecipientID: "GROUP1",
				RecipientType: "group", RecipientParticipantID: "15555550001", RecipientIdentityKeyHash: "a2V5"}),
			webhookTestStatus(Status{ID: "wamid.NEW1", Status: "queued_for_later", Timestamp: webhookTestTime(1750263778), RecipientID: webhookTestUser,
				Extra: map[string]json.RawMessage{"new_status_field": json.RawMessage(`{"x":1}`)}}),
		}},
		{"status_failed.json", []Status{
			webhookTestStatus(Status{ID: "wamid.FAIL1", Status: "failed", Timestamp: webhookTestTime(1750263779), RecipientID: webhookTestUser,
				Errors: []*APIError{{Code: 131047, Title: "Re-engagement message", Message: "Re-engagement message",
					Details: "Message failed to send because more than 24 hours have passed since the customer last replied to this number.",
					Href:    "https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/"}}}),
			webhookTestStatus(Status{ID: "wamid.FAIL2", Status: "failed", Timestamp: webhookTestTime(1750263780), RecipientID: "15555551235",
				Errors: []*APIError{{Code: 131050, Title: "Unable to deliver the message", Message: "Unable to deliver the message",
					Details: "Marketing messages opted out"}}}),
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			n := webhookTestParse(t, tt.file)
			var got []Status
			for _, s := range n.Statuses() {
				got = append(got, *s)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Statuses() mismatch (-want +got):\n%s", diff)
			}
			if len(n.Messages()) != 0 || len(n.Events()) != 0 {
				t.Errorf("unexpected messages or events")
			}
		})
	}
}

func TestStatusErrMatchesSentinels(t *testing.T) {
	st := webhookTestParse(t, "status_failed.json").Statuses()
	if err := st[0].Err(); !errors.Is(err, ErrWindowClosed) {
		t.Errorf("failed status 131047: errors.Is(Err(), ErrWindowClosed) = false (%v)", err)
	}
	if err := st[1].Err(); !errors.Is(err, ErrMarketingOptOut) || errors.Is(err, ErrWindowClosed) {
		t.Errorf("failed status 131050: Err() = %v, want ErrMarketingOptOut only", err)
	}
	two := Status{Errors: []*APIError{{Code: 131047}, {Code: 131056}}}
	if err := two.Err(); !errors.Is(err, ErrWindowClosed) || !errors.Is(err, ErrPairRateLimited) {
		t.Errorf("Err() of two errors = %v, want both sentinels", err)
	}
	if err := (&Status{Status: "read"}).Err(); err != nil {
		t.Errorf("Err() without errors = %v, want nil", err)
	}
}

func TestParseNotificationEvents(t *testing.T) {
	tests := []struct {
		file string
		want []Change
	}{
		{"value_errors.json", []Change{{Field: FieldMessages, WABAID: webhookTestWABA, Messages: &MessagesValue{
			MessagingProduct: "whatsapp", Metadata: Metadata{DisplayPhoneNumber: webhookTestDisplay, PhoneNumberID: webhookTestPNID},
			Errors: []*APIError{{Code: 131000, Title: "Something went wrong", Message: "Something went wrong", Details: "Unknown error"}}}}}},
		{"template_status_update.json", func() []Change {
			tm := webhookTestTime(1751247548)
			return []Change{
				{Field: FieldTemplateStatusUpdate, WABAID: webhookTestWABA, Time: tm, TemplateStatus: &TemplateStatusUpdate{
					Event: "APPROVED", TemplateID: "1689556908129832", TemplateName: "order_confirmation", TemplateLanguage: "en-US",
					Reason: "NONE", TemplateCategory: "UTILITY", WABAID: webhookTestWABA, Time: tm}},
				{Field: FieldTemplateStatusUpdate, WABAID: webhookTestWABA, Time: tm, TemplateStatus: &TemplateStatusUpdate{
					Event: "REJECTED", TemplateID: "1689556908129835", TemplateName: "abandoned_cart", TemplateLanguage: "en",
					Reason: "INVALID_FORMAT", TemplateCategory: "MARKETING", WABAID: webhookTestWABA, Time: tm,
					RejectionInfo: &TemplateRejectionInfo{Reason: "Parameters are adjacent.", Recommendation: "Separate parameters with text."}}},
				{Field: FieldTemplateStatusUpdate, WABAID: webhookTestWABA, Time: tm, TemplateStatus: &TemplateStatusUpdate{
					Event: "PAUSED", TemplateID: "1689556908129836", TemplateName: "promo", TemplateLanguage: "en_US",
					OtherInfo: &TemplateOtherInfo{Title: "FIRST_PAUSE", Description: "Paused for 3 hours."}, WABAID: webhookTestWABA, Time: tm}},
				{Field: FieldTemplateStatusUpdate, WABAID: webhookTestWABA, Time: tm, TemplateStatus: &TemplateStatusUpdate{
					Event: "DISABLED", TemplateID: "1689556908129837", TemplateName: "promo2", TemplateLanguage: "en_US", Reason: "NONE",
					DisableInfo: &TemplateDisableInfo{DisableDate: webhookTestTime(1751234563)}, WABAID: webhookTestWABA, Time: tm}},
			}
		}()},
		{"template_quality_update.json", []Change{{Field: FieldTemplateQualityUpdate, WABAID: webhookTestWABA, Time: webhookTestTime(1674864290),
			TemplateQuality: &TemplateQualityUpdate{PreviousQualityScore: "GREEN", NewQualityScore: "YELLOW", TemplateID: "806312974732579",
				TemplateName: "welcome_template", TemplateLanguage: "en-US", WABAID: webhookTestWABA, Time: webhookTestTime(1674864290)}}}},
		{"template_components_update.json", []Change{{Field: FieldTemplateComponentsUpdate, WABAID: webhookTestWABA, Time: webhookTestTime(1751250234),
			TemplateComponents: &TemplateComponentsUpdate{TemplateID: "1315502779341834", TemplateName: "order_confirmation", TemplateLanguage: "en_US",
				Header: "Your order is confirmed!", Body: "Thank you for your order, {{1}}! Your order number is {{2}}.", Footer: "Lucky Shrub",
				Buttons: []TemplateComponentsButton{
					{Type: "PHONE_NUMBER", Text: "Phone support", PhoneNumber: "+15550783881"},
					{Type: "URL", Text: "Email support", URL: "https://www.example.com/support"},
				}, WABAID: webhookTestWABA, Time: webhookTestTime(1751250234)}}}},
		{"template_category_update.json", func() []Change {
			tm := webhookTestTime(1746082800)
			return []Change{
				{Field: FieldTemplateCategoryUpdate, WABAID: webhookTestWABA, Time: tm, TemplateCategory: &TemplateCategoryUpdate{
					TemplateID: "278077987957091", TemplateName: "welcome_template", TemplateLanguage: "en-US", NewCategory: "UTILITY",
					CorrectCategory: "MARKETING", CategoryUpdateTime: webhookTestTime(1746169200), WABAID: webhookTestWABA, Time: tm}},
				{Field: FieldTemplateCategoryUpdate, WABAID: webhookTestWABA, Time: tm, TemplateCategory: &TemplateCategoryUpdate{
					TemplateID: "278077987957091", TemplateName: "welcome_template", TemplateLanguage: "en-US", PreviousCategory: "UTILITY",
					NewCategory: "MARKETING", WABAID: webhookTestWABA, Time: tm}},
			}
		}()},
		{"phone_number_quality_update.json", []Change{{Field: FieldPhoneNumberQualityUpdate, WABAID: webhookTestWABA, Time: webhookTestTime(1748454394),
			PhoneNumberQuality: &PhoneNumberQualityUpdate{DisplayPhoneNumber: webhookTestDisplay, Event: "THROUGHPUT_UPGRADE", CurrentLimit: "TIER_UNLIMITED",
				OldLimit: "TIER_100K", MaxDailyConversationsPerBusiness: "TIER_UNLIMITED", WABAID: webhookTestWABA, Time: webhookTestTime(1748454394)}}}},
		{"phone_number_name_update.json", []Change{{Field: FieldPhoneNumberNameUpdate, WABAID: webhookTestWABA, Time: webhookTestTime(1739321024),
			PhoneNumberName: &PhoneNumberNameUpdate{DisplayPhoneNumber: webhookTestDisplay, Decision: "APPROVED", RequestedVerifiedName: "Lucky Shrub",
				WABAID: webhookTestWABA, Time: webhookTestTime(1739321024)}}}},
		{"business_capability_update.json", func() []Change {
			tm := webhookTestTime(1739321024)
			return []Change{
				{Field: FieldBusinessCapabilityUpdate, WABAID: webhookTestWABA, Time: tm, BusinessCapability: &BusinessCapabilityUpdate{
					MaxDailyConversationsPerBusiness: "2000", MaxPhoneNumbersPerWABA: 25, WABAID: webhookTestWABA, Time: tm}},
				{Field: FieldBusinessCapabilityUpdate, WABAID: webhookTestWABA, Time: tm, BusinessCapability: &BusinessCapabilityUpdate{
					MaxDailyConversationsPerBusiness: "TIER_UNLIMITED", MaxDailyConversationPerPhone: -1, MaxPhoneNumbersPerBusiness: 20,
					WABAID: webhookTestWABA, Time: tm}},
			}
		}()},
		{"account_update.json", func() []Change {
			tm := webhookTestTime(1743451903)
			c := func(a AccountUpdate) Change {
				a.WABAID, a.Time = webhookTestWABA, tm
				return Change{Field: FieldAccountUpdate, WABAID: webhookTestWABA, Time: tm, AccountUpdate: &a}
			}
			return []Change{
				c(AccountUpdate{Event: "ACCOUNT_VIOLATION", ViolationInfo: &ViolationInfo{ViolationType: "ADULT"}}),
				c(AccountUpdate{Event: "DISABLED_UPDATE", BanInfo: &BanInfo{WABABanState: "REINSTATE", WABABanDate: "April 17, 2025"}}),
				c(AccountUpdate{Event: "AUTH_INTL_PRICE_ELIGIBILITY_UPDATE", AuthInternationalRateEligibility: &AuthInternationalRateEligibility{
					StartTime: webhookTestTime(1748780624), ExceptionCountries: []AuthInternationalException{{CountryCode: "ID", StartTime: webhookTestTime(1751347424)}}}}),
				c(AccountUpdate{Event: "PARTNER_APP_INSTALLED", WABAInfo: &AccountWABAInfo{WABAID: "980198427658004", OwnerBusinessID: "2329417887457253",
					PartnerAppID: "5731794616896507", SolutionID: "1715120619246906", AdAccountLinked: "980198427534243",
					SolutionPartnerBusinessIDs: []string{"2949482758682047", "520744086200222"}}}),
				c(AccountUpdate{Event: "PARTNER_CLIENT_CERTIFICATION_STATUS_UPDATE", PartnerClientCertificationInfo: &PartnerClientCertificationInfo{
					ClientBusinessID: "2729063490586005", Status: "FAILED", RejectionReasons: []string{"ADDRESS NOT MATCHING"}}}),
				c(AccountUpdate{Event: "BUSINESS_PRIMARY_LOCATION_COUNTRY_UPDATE", Country: "IN"}),
				c(AccountUpdate{Event: "VOLUME_BASED_PRICING_TIER_UPDATE", VolumeTierInfo: &VolumeTierInfo{TierUpdateTime: webhookTestTime(1743451903),
					PricingCategory: "UTILITY", Tier: "25000001:50000000", EffectiveMonth: "2025-11", Region: "INDIA"}}),
			}
		}()},
		{"account_alerts.json", []Change{{Field: FieldAccountAlerts, WABAID: webhookTestWABA, Time: webhookTestTime(1739321024),
			AccountAlert: &AccountAlert{EntityType: "BUSINESS", EntityID: "2729063490586005", AlertInfo: &AlertInfo{Severity: "CRITICAL", Status: "NONE",
				Type: "INCREASED_CAPABILITIES_ELIGIBILITY_DEFERRED", Description: "Limits cannot be increased at this time."},
				WABAID: webhookTestWABA, Time: webhookTestTime(1739321024)}}}},
		{"account_review_update.json", []Change{{Field: FieldAccountReviewUpdate, WABAID: webhookTestWABA, Time: webhookTestTime(1739321024),
			AccountReview: &AccountReviewUpdate{Decision: "APPROVED", WABAID: webhookTestWABA, Time: webhookTestTime(1739321024)}}}},
		{"user_preferences.json", []Change{{Field: FieldUserPreferences, WABAID: webhookTestWABA, UserPreferences: &UserPreferencesValue{
			MessagingProduct: "whatsapp", Metadata: Metadata{DisplayPhoneNumber: webhookTestDisplay, PhoneNumberID: webhookTestPNID},
			Contacts: []WebhookContact{{WaID: webhookTestUser}},
			Preferences: []UserPreference{{WaID: webhookTestUser, Detail: "User requested to stop marketing messages", Category: "marketing_messages",
				Value: "stop", Timestamp: webhookTestTime(1731705721), WABAID: webhookTestWABA, PhoneNumberID: webhookTestPNID, DisplayPhoneNumber: webhookTestDisplay}},
		}}}},
		{"security.json", []Change{{Field: FieldSecurity, WABAID: webhookTestWABA, Time: webhookTestTime(1748811473),
			Security: &SecurityUpdate{DisplayPhoneNumber: webhookTestDisplay, Event: "PIN_RESET_REQUEST", Requester: "61555822107539",
				WABAID: webhookTestWABA, Time: webhookTestTime(1748811473)}}}},
		{"unknown_field.json", []Change{{Field: "smb_message_echoes", WABAID: webhookTestWABA, Time: webhookTestTime(1748811474),
			Value: json.RawMessage(`{"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550783881","phone_number_id":"106540352242922"},` +
				`"message_echoes":[{"from":"15550783881","to":"15555551234","id":"wamid.ECHO1","timestamp":"1748811474","type":"text","text":{"body":"echo"}}]}`)}}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			n := webhookTestParse(t, tt.file)
			var got []Change
			for _, c := range n.Events() {
				got = append(got, *c)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Events() mismatch (-want +got):\n%s", diff)
			}
			if len(n.Messages()) != 0 || len(n.Statuses()) != 0 {
				t.Errorf("unexpected messages or statuses")
			}
		})
	}
}

func TestParseNotificationKeepsUnknownMembers(t *testing.T) {
	n := webhookTestParse(t, "unknown_field.json")
	if got := string(n.Extra["future_top_member"]); got != `"x"` {
		t.Errorf("Notification.Extra[future_top_member] = %s", got)
	}
	if got := string(n.Entries[0].Extra["future_entry_member"]); got != `true` {
		t.Errorf("Entry.Extra[future_entry_member] = %s", got)
	}
}

func TestParseNotificationMultiEntry(t *testing.T) {
	n := webhookTestParse(t, "multi_entry.json")
	msgs := n.Messages()
	type ctx struct{ ID, WABA, PNID, Display, Profile, Body string }
	var got []ctx
	for _, m := range msgs {
		got = append(got, ctx{m.ID, m.WABAID, m.PhoneNumberID, m.DisplayPhoneNumber, m.ProfileName, m.Text.Body})
	}
	want := []ctx{
		{"wamid.M1", webhookTestWABA, webhookTestPNID, webhookTestDisplay, "Ana", "one"},
		{"wamid.M2", webhookTestWABA, webhookTestPNID, webhookTestDisplay, "Bo", "two"},
		{"wamid.M3", "102290129340399", "106540352242923", "15550783882", "Cy", "three"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Messages() context mismatch (-want +got):\n%s", diff)
	}
	if st := n.Statuses(); len(st) != 1 || st[0].ID != "wamid.S1" || st[0].PhoneNumberID != webhookTestPNID {
		t.Errorf("Statuses() = %+v", st)
	}
	if ev := n.Events(); len(ev) != 1 || ev[0].TemplateStatus == nil || ev[0].WABAID != "102290129340399" || ev[0].TemplateStatus.TemplateID != "1" {
		t.Errorf("Events() = %+v", ev)
	}
}

// TestNotificationRoundTrip: json.Marshal of every decoded testdata payload
// reads back to an equal value, and the re-encoded form is stable.
func TestNotificationRoundTrip(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "webhooks", "*.json"))
	if err != nil || len(files) < 30 {
		t.Fatalf("testdata payloads: %d files, %v", len(files), err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			body, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			webhookTestRoundTrip(t, body)
		})
	}
}

// webhookTestRoundTrip parses body, marshals it and parses it again; both
// values must be equal, and the JSON must be the same value as the original
// body except for ids and tiers sent as numbers (re-encoded as numbers too)
// and members our types normalize.
func webhookTestRoundTrip(t testing.TB, body []byte) {
	t.Helper()
	n1, err := ParseNotification(body)
	if err != nil {
		t.Fatalf("ParseNotification: %v", err)
	}
	out, err := json.Marshal(n1)
	if err != nil {
		t.Fatalf("json.Marshal: %v", err)
	}
	n2, err := ParseNotification(out)
	if err != nil {
		t.Fatalf("ParseNotification(marshaled): %v\n%s", err, out)
	}
	if diff := cmp.Diff(n1, n2); diff != "" {
		t.Fatalf("round trip mismatch (-first +second):\n%s\nmarshaled: %s", diff, out)
	}
	again, err := json.Marshal(n2)
	if err != nil || string(again) != string(out) {
		t.Fatalf("second marshal differs:\n%s\n%s", out, again)
	}
}

// TestNotificationMarshalWireShape: marshaled payloads are the same JSON
// value as Meta's bodies (same members, ids as numbers where Meta sends
// numbers). Payloads with null members are left out: null decodes as
// absent and is not written back.
func TestNotificationMarshalWireShape(t *testing.T) {
	for _, name := range []string{"message_text.json", "message_referral.json", "status_sent.json", "status_failed.json",
		"template_category_update.json", "account_update.json", "business_capability_update.json", "unknown_field.json",
		"message_edit_unknown.json", "message_location.json", "message_order.json", "user_preferences.json"} {
		t.Run(name, func(t *testing.T) {
			body := webhookTestPayload(t, name)
			out, err := json.Marshal(webhookTestParse(t, name))
			if err != nil {
				t.Fatal(err)
			}
			testJSON(t, out, string(body))
		})
	}
}

func TestItemMarshalRoundTrip(t *testing.T) {
	n := webhookTestParse(t, "message_referral.json")
	m := n.Messages()[0]
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	var back InboundMessage
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	want := *m
	want.WABAID, want.PhoneNumberID, want.DisplayPhoneNumber, want.ProfileName, want.Sender = "", "", "", "", nil
	if diff := cmp.Diff(want, back); diff != "" {
		t.Errorf("InboundMessage round trip (-want +got):\n%s", diff)
	}

	s := webhookTestParse(t, "status_sent.json").Statuses()[0]
	b, err = json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	testJSON(t, b, `{"id":"wamid.SENT1","status":"sent","timestamp":"1750263773","recipient_id":"15555551234",
		"recipient_user_id":"US.13491208655302741918","biz_opaque_callback_data":"order-42",
		"conversation":{"id":"CONVERSATION_ID","expiration_timestamp":"1750350173","origin":{"type":"referral_conversion"}},
		"pricing":{"billable":false,"pricing_model":"PMP","category":"referral_conversion","type":"free_entry_point"}}`)
}

func TestParseNotificationLenient(t *testing.T) {
	tests := []struct {
		name  string
		body  string
		check func(t *testing.T, n *Notification)
	}{
		{"number ids become strings", `{"object":"whatsapp_business_account","entry":[{"id":102290129340398,"changes":[{"field":"messages","value":{"metadata":{"phone_number_id":106540352242922},"statuses":[{"id":"w","status":"sent","timestamp":1750263773,"recipient_id":15555551234}]}}]}]}`,
			func(t *testing.T, n *Notification) {
				s := n.Statuses()[0]
				if s.WABAID != webhookTestWABA || s.PhoneNumberID != webhookTestPNID || s.RecipientID != webhookTestUser || !s.Timestamp.Equal(webhookTestTime(1750263773)) {
					t.Errorf("status = %+v", s)
				}
			}},
		{"wrong member type is kept raw, siblings decode", `{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":{"messages":[{"id":"a","type":"text","timestamp":"soon","text":"not an object"},{"id":"b","type":"text","text":{"body":"fine"}}]}}]}]}`,
			func(t *testing.T, n *Notification) {
				ms := n.Messages()
				if len(ms) != 2 || ms[0].ID != "a" || ms[1].Text.Body != "fine" {
					t.Fatalf("messages = %+v", ms)
				}
				if string(ms[0].Extra["text"]) != `"not an object"` || string(ms[0].Extra["timestamp"]) != `"soon"` || !ms[0].Timestamp.IsZero() {
					t.Errorf("Extra = %v, Timestamp = %v", ms[0].Extra, ms[0].Timestamp)
				}
			}},
		{"odd array element keeps the array and decodes the rest", `{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":{"statuses":[42,{"id":"s","status":"read"}]}}]}]}`,
			func(t *testing.T, n *Notification) {
				st := n.Statuses()
				if len(st) != 1 || st[0].ID != "s" {
					t.Fatalf("statuses = %+v", st)
				}
				if got := string(n.Entries[0].Changes[0].Messages.Extra["statuses"]); got != `[42,{"id":"s","status":"read"}]` {
					t.Errorf("kept statuses = %s", got)
				}
			}},
		{"value before field, null members", `{"entry":[{"changes":[{"value":{"decision":null,"x":null},"field":"account_review_update"}],"time":null}],"object":"whatsapp_business_account"}`,
			func(t *testing.T, n *Notification) {
				c := n.Entries[0].Changes[0]
				if c.AccountReview == nil || c.AccountReview.Decision != "" || string(c.AccountReview.Extra["x"]) != "null" {
					t.Errorf("change = %+v", c)
				}
			}},
		{"known field with a non-object value", `{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages","value":[1,2]}]}]}`,
			func(t *testing.T, n *Notification) {
				ev := n.Events()
				if len(ev) != 1 || ev[0].Messages != nil || string(ev[0].Value) != "[1,2]" {
					t.Errorf("events = %+v", ev)
				}
			}},
		{"escaped keys match", `{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages","value":{"messages":[{"\u0069d":"x\/y","type":"text"}]}}]}]}`,
			func(t *testing.T, n *Notification) {
				if m := n.Messages(); len(m) != 1 || m[0].ID != "x/y" {
					t.Errorf("messages = %+v", m)
				}
			}},
		{"no object member", `{"entry":[]}`, func(t *testing.T, n *Notification) {}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, err := ParseNotification([]byte(tt.body))
			if err != nil {
				t.Fatalf("ParseNotification: %v", err)
			}
			tt.check(t, n)
			webhookTestRoundTrip(t, []byte(tt.body))
		})
	}
}

func TestParseNotificationErrors(t *testing.T) {
	tests := []struct {
		name string
		body string
		want error
	}{
		{"empty", ``, ErrMalformedNotification},
		{"spaces", "  \n", ErrMalformedNotification},
		{"array", `[]`, ErrMalformedNotification},
		{"string", `"x"`, ErrMalformedNotification},
		{"truncated", `{"object":"whatsapp_business_account","entry":[{"id":"1"`, ErrMalformedNotification},
		{"trailing data", `{"object":"whatsapp_business_account"} {}`, ErrMalformedNotification},
		{"bad escape", `{"object":"whatsapp_\x"}`, ErrMalformedNotification},
		{"control char", "{\"object\":\"a\x01\"}", ErrMalformedNotification},
		{"bad number", `{"entry":[{"time":01}]}`, ErrMalformedNotification},
		{"missing colon", `{"object" "x"}`, ErrMalformedNotification},
		{"deep nesting", `{"x":` + strings.Repeat("[", 1000) + strings.Repeat("]", 1000) + `}`, ErrMalformedNotification},
		{"wrong object", `{"object":"page","entry":[]}`, ErrUnexpectedObject},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, err := ParseNotification([]byte(tt.body))
			if !errors.Is(err, tt.want) || n != nil {
				t.Fatalf("ParseNotification = %v, %v; want %v", n, err, tt.want)
			}
			var pe *ParseError
			if tt.want == ErrMalformedNotification && (!errors.As(err, &pe) || pe.Reason == "") {
				t.Errorf("error %v is not a *ParseError with a reason", err)
			}
			if json.Valid([]byte(tt.body)) && tt.want == ErrMalformedNotification && !strings.Contains(tt.name, "nesting") {
				// A valid JSON document that is not an object is the only
				// valid JSON we refuse as malformed.
				if strings.HasPrefix(strings.TrimSpace(tt.body), "{") {
					t.Errorf("valid JSON object refused: %v", err)
				}
			}
		})
	}
}

func TestUnmarshalJSONMatchesParse(t *testing.T) {
	body := webhookTestPayload(t, "multi_entry.json")
	var n Notification
	if err := json.Unmarshal(body, &n); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(webhookTestParse(t, "multi_entry.json"), &n); diff != "" {
		t.Errorf("json.Unmarshal differs from ParseNotification (-parse +unmarshal):\n%s", diff)
	}
	var s Status
	if err := json.Unmarshal([]byte(`{"id":"x","status":"read","timestamp":"5"}`), &s); err != nil || s.ID != "x" || s.Timestamp.Unix() != 5 {
		t.Errorf("Status.UnmarshalJSON = %+v, %v", s, err)
	}
	if err := json.Unmarshal([]byte(`[1]`), &s); err == nil {
		t.Error("Status.UnmarshalJSON accepted an array")
	}
}

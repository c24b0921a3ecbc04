package whatsapp

import (
	"testing"
	"time"
)

// TestPricingWorkedExampleR1 prices the messages of requirements.md R1.
func TestPricingWorkedExampleR1(t *testing.T) {
	var w Window
	tmpl := Template{Name: "ticket_update", Language: "en_US"}

	// Day 1 17:00: the business writes first: a template, charged.
	if got := PriceMessage(tmpl, "UTILITY", w, FreeEntryPoint{}, rulesDay(1, 17, 0)); got != (Billing{PricingUtility, PricingRegular, true}) {
		t.Fatalf("day 1 17:00 utility template outside the window: %+v", got)
	}
	w = w.Record(rulesDay(1, 17, 5)).Record(rulesDay(1, 20, 31))

	// Day 2 13:50: a utility template inside the window is free.
	if got := PriceMessage(tmpl, "UTILITY", w, FreeEntryPoint{}, rulesDay(2, 13, 50)); got != (Billing{PricingUtility, PricingFreeCustomerService, false}) {
		t.Fatalf("day 2 13:50 utility template inside the window: %+v", got)
	}
	// ... a marketing template is not.
	if got := PriceMessage(tmpl, "MARKETING", w, FreeEntryPoint{}, rulesDay(2, 13, 50)); got != (Billing{PricingMarketing, PricingRegular, true}) {
		t.Fatalf("day 2 13:50 marketing template inside the window: %+v", got)
	}
	// ... a free-form reply is a free service message.
	if got := PriceMessage(Text{Body: "hi"}, "", w, FreeEntryPoint{}, rulesDay(2, 13, 50)); got != (Billing{PricingService, PricingFreeCustomerService, false}) {
		t.Fatalf("day 2 13:50 text: %+v", got)
	}
	// Day 3 18:00: the window closed: the utility template is charged.
	if got := PriceMessage(tmpl, "UTILITY", w, FreeEntryPoint{}, rulesDay(3, 18, 0)); got != (Billing{PricingUtility, PricingRegular, true}) {
		t.Fatalf("day 3 18:00 utility template: %+v", got)
	}
}

func TestPricingFreeEntryPoint(t *testing.T) {
	ref := rulesDay(1, 10, 0)
	w := Window{}.Record(ref)
	f := FreeEntryPoint{}.RecordReferral(ref)
	free := Billing{PricingReferralConversion, PricingFreeEntryPoint, false}

	// The reply that opens the window is free.
	if got := PriceMessage(Text{Body: "hi"}, "", w, f, ref.Add(time.Hour)); got != free {
		t.Fatalf("opening reply: %+v", got)
	}
	f = f.RecordReply(ref.Add(time.Hour))
	// Everything within 72 h, templates included, even marketing and after
	// the customer service window closed.
	at := ref.Add(60 * time.Hour)
	if w.IsOpen(at) {
		t.Fatal("test setup: customer service window still open")
	}
	if got := PriceMessage(Template{Name: "promo"}, "MARKETING", w, f, at); got != free {
		t.Fatalf("marketing template inside the free entry point window: %+v", got)
	}
	// After 72 h: charged.
	if got := PriceMessage(Template{Name: "promo"}, "MARKETING", w, f, ref.Add(time.Hour+72*time.Hour)); got != (Billing{PricingMarketing, PricingRegular, true}) {
		t.Fatalf("after the window: %+v", got)
	}
}

func TestTemplatePricingCategory(t *testing.T) {
	tests := []struct {
		in   string
		want PricingCategory
	}{
		{"MARKETING", PricingMarketing},
		{"utility", PricingUtility},
		{"AUTHENTICATION", PricingAuthentication},
		{"AUTHENTICATION_INTERNATIONAL", PricingAuthenticationInternational},
		{"OTP", PricingAuthentication},
		{"TRANSACTIONAL", PricingUtility},
		{"SHIPPING_UPDATE", PricingUtility},
		{"", ""},
		{"NEW_KIND", "new_kind"},
	}
	for _, tt := range tests {
		if got := TemplatePricingCategory(tt.in); got != tt.want {
			t.Errorf("TemplatePricingCategory(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	// Unknown category: charged, category empty.
	if got := PriceMessage(Template{Name: "x"}, "", Window{}, FreeEntryPoint{}, rulesT0); got != (Billing{"", PricingRegular, true}) {
		t.Fatalf("unknown category: %+v", got)
	}
	// Nil content counts as a service message, never panics.
	if got := PriceMessage(nil, "", Window{}, FreeEntryPoint{}, rulesT0); got.Category != PricingService {
		t.Fatalf("nil content: %+v", got)
	}
}

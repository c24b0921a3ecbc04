package whatsapp

import (
	"strings"
	"time"
)

// PricingCategory is the category a message is billed in, as status
// webhooks report it (pricing.category). Values the platform adds later
// are kept as they come.
type PricingCategory string

// Pricing categories.
const (
	PricingMarketing                   PricingCategory = "marketing"
	PricingUtility                     PricingCategory = "utility"
	PricingAuthentication              PricingCategory = "authentication"
	PricingAuthenticationInternational PricingCategory = "authentication_international"
	PricingService                     PricingCategory = "service"
	PricingMarketingLite               PricingCategory = "marketing_lite"
	PricingReferralConversion          PricingCategory = "referral_conversion"
)

// PricingType says whether and why a message is free, as status webhooks
// report it (pricing.type).
type PricingType string

// Pricing types.
const (
	PricingRegular             PricingType = "regular"               // charged
	PricingFreeCustomerService PricingType = "free_customer_service" // free: inside the customer service window
	PricingFreeEntryPoint      PricingType = "free_entry_point"      // free: inside a free entry point window
)

// Billing is how a message will be billed under per-message pricing (in
// force since 1 July 2025), predicted before it is sent. Only delivered
// templates are ever charged; the price itself depends on the recipient's
// country and the business's monthly volume, which this package does not
// model.
type Billing struct {
	// Category is the category the message will be billed in.
	Category PricingCategory
	// Type says whether and why it is free.
	Type PricingType
	// Billable reports whether it will be charged once delivered.
	Billable bool
}

// PriceMessage predicts the billing of a message with content c sent at
// at, given the customer service window w and the free entry point window
// f of its recipient. templateCategory is the template's category as its
// definition says (MARKETING, UTILITY, AUTHENTICATION, or a legacy name);
// it is ignored for other kinds of content. The rules:
//
//   - inside a free entry point window, or in the reply that opens one,
//     every message is free (referral_conversion, free_entry_point);
//   - a message that is not a template is a free service message
//     (it can only be sent inside the customer service window);
//   - a utility template inside the customer service window is free;
//   - every other template is charged in its category. A template of
//     unknown category is charged with an empty Category.
//
// authentication_international depends on the recipient's country and the
// business's eligibility, which this function does not know: such messages
// are predicted as authentication.
//
// Cloud API: pricing (per-message pricing, status webhook pricing object).
func PriceMessage(c Content, templateCategory string, w Window, f FreeEntryPoint, at time.Time) Billing {
	if f.IsOpen(at) || f.Eligible(at) {
		return Billing{Category: PricingReferralConversion, Type: PricingFreeEntryPoint}
	}
	if c == nil || c.MessageType() != TypeTemplate {
		return Billing{Category: PricingService, Type: PricingFreeCustomerService}
	}
	cat := TemplatePricingCategory(templateCategory)
	if cat == PricingUtility && w.IsOpen(at) {
		return Billing{Category: PricingUtility, Type: PricingFreeCustomerService}
	}
	return Billing{Category: cat, Type: PricingRegular, Billable: true}
}

// TemplatePricingCategory returns the pricing category of a template
// category: MARKETING is marketing, UTILITY utility, AUTHENTICATION
// authentication, ignoring case; the legacy categories map to the one that
// replaced them (TRANSACTIONAL and the *_UPDATE names to utility, OTP to
// authentication). Another non-empty value is kept, lower-cased; an empty
// one gives "".
func TemplatePricingCategory(templateCategory string) PricingCategory {
	s := strings.TrimSpace(templateCategory)
	for _, c := range [...]PricingCategory{PricingMarketing, PricingUtility, PricingAuthentication,
		PricingAuthenticationInternational, PricingMarketingLite, PricingService} {
		if strings.EqualFold(s, string(c)) {
			return c // no allocation on the Guard's path
		}
	}
	s = strings.ToLower(s)
	switch s {
	case "otp":
		return PricingAuthentication
	case "transactional", "issue_resolution":
		return PricingUtility
	}
	if strings.HasSuffix(s, "_update") {
		return PricingUtility
	}
	return PricingCategory(s)
}

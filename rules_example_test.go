package whatsapp_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/wacloud/whatsapp"
)

func ExampleWindow() {
	var w whatsapp.Window
	w = w.Record(time.Date(2025, 3, 3, 17, 5, 0, 0, time.UTC))  // the customer answers
	w = w.Record(time.Date(2025, 3, 3, 20, 31, 0, 0, time.UTC)) // and writes again
	w = w.Record(time.Date(2025, 3, 3, 18, 0, 0, 0, time.UTC))  // a late webhook: no effect

	fmt.Println("closes at:", w.ClosesAt().Format("Jan 2 15:04"))
	fmt.Println("open next day 13:50:", w.IsOpen(time.Date(2025, 3, 4, 13, 50, 0, 0, time.UTC)))
	fmt.Println("open next day 20:31:", w.IsOpen(time.Date(2025, 3, 4, 20, 31, 0, 0, time.UTC)))
	// Output:
	// closes at: Mar 4 20:31
	// open next day 13:50: true
	// open next day 20:31: false
}

func ExampleFreeEntryPoint() {
	ad := time.Date(2025, 3, 3, 10, 0, 0, 0, time.UTC) // the user arrives from an ad
	var f whatsapp.FreeEntryPoint
	f = f.RecordReferral(ad)
	reply := ad.Add(2 * time.Hour)
	fmt.Println("reply opens the window:", f.Eligible(reply))
	f = f.RecordReply(reply)
	fmt.Println("free until:", f.ClosesAt().Format("Jan 2 15:04"))
	// Output:
	// reply opens the window: true
	// free until: Mar 6 12:00
}

func ExampleTemplateHealth() {
	paused := time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC)
	h := whatsapp.TemplateHealthOf([]whatsapp.TemplateHealthEvent{
		{Event: "PAUSED", Detail: "FIRST_PAUSE", At: paused},
	})
	retryAt, err := h.Check(paused.Add(time.Hour))
	fmt.Println(err, "until", retryAt.Format("15:04"))

	_, err = h.Check(paused.Add(3 * time.Hour))
	fmt.Println("after 3 hours:", err)
	// Output:
	// whatsapp: template paused until 12:00
	// after 3 hours: <nil>
}

func ExampleTier_ScaleUp() {
	tier := whatsapp.ParseTier("TIER_2K")
	limit, _ := tier.Limit()
	next, ok := tier.ScaleUp(whatsapp.QualityGreen, 1200) // 1,200 unique users on the busiest day of the week
	fmt.Println(limit, next, ok)
	// Output:
	// 2000 TIER_10K true
}

func ExamplePriceMessage() {
	userWrote := time.Date(2025, 3, 3, 20, 31, 0, 0, time.UTC)
	w := whatsapp.Window{}.Record(userWrote)
	tmpl := whatsapp.Template{Name: "ticket_update", Language: "en_US"}

	next := userWrote.Add(17 * time.Hour)
	fmt.Printf("%+v\n", whatsapp.PriceMessage(tmpl, "UTILITY", w, whatsapp.FreeEntryPoint{}, next))
	fmt.Printf("%+v\n", whatsapp.PriceMessage(tmpl, "MARKETING", w, whatsapp.FreeEntryPoint{}, next))
	// Output:
	// {Category:utility Type:free_customer_service Billable:false}
	// {Category:marketing Type:regular Billable:true}
}

func ExampleGuard() {
	ctx := context.Background()
	now := time.Date(2025, 3, 4, 15, 0, 0, 0, time.UTC) // a Tuesday afternoon
	g := &whatsapp.Guard{
		Clock:  func() time.Time { return now },
		Policy: whatsapp.Policy{DefaultTier: whatsapp.Tier250},
	}
	const phoneNumberID = "1055"
	customer := "+447700900123" // a UK number: quiet hours in London time

	// Free-form text to someone who never wrote: refused before any request.
	err := g.Check(ctx, phoneNumberID, whatsapp.Message{To: customer, Content: whatsapp.Text{Body: "Hi!"}}, whatsapp.SendInfo{})
	fmt.Println(errors.Is(err, whatsapp.ErrWindowClosed))

	// A template needs an opt-in first.
	reminder := whatsapp.Message{To: customer, Content: whatsapp.Template{Name: "appointment_reminder", Language: "en_GB"}}
	err = g.Check(ctx, phoneNumberID, reminder, whatsapp.SendInfo{Category: "UTILITY"})
	fmt.Println(errors.Is(err, whatsapp.ErrNotOptedIn))

	g.SetOptIn(ctx, customer, true)
	r, err := g.Reserve(ctx, phoneNumberID, reminder, whatsapp.SendInfo{Category: "UTILITY"})
	fmt.Println(err, r.Billing.Category, r.Billing.Billable)
	r.Commit(ctx) // the send went out (Cancel gives the quota back if it did not)

	// Marketing at 23:00 London time waits for the morning.
	now = time.Date(2025, 3, 4, 23, 0, 0, 0, time.UTC)
	promo := whatsapp.Message{To: customer, Content: whatsapp.Template{Name: "spring_sale", Language: "en_GB"}}
	err = g.Check(ctx, phoneNumberID, promo, whatsapp.SendInfo{Category: "MARKETING"})
	var re *whatsapp.RuleError
	if errors.As(err, &re) {
		fmt.Println(re.Rule, "until", re.RetryAt.UTC().Format("Mon 15:04"))
	}
	// Output:
	// true
	// true
	// <nil> utility true
	// quiet-hours until Wed 08:00
}

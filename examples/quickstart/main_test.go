package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

func TestQuickstartWithoutAccount(t *testing.T) {
	t.Setenv("WHATSAPP_TOKEN", "")
	var out bytes.Buffer
	if err := run(context.Background(), &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "Sent message wamid.QUICKSTART1 to 15551234567") {
		t.Errorf("output:\n%s", out.String())
	}
}

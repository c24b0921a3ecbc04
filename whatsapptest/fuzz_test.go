package whatsapptest_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/wacloud/whatsapp/whatsapptest"
)

// fuzzSeeds returns the repository's golden request bodies, every kind of
// message the library sends.
func fuzzSeeds(f *testing.F) [][]byte {
	f.Helper()
	paths, _ := filepath.Glob(filepath.Join("..", "testdata", "requests", "*.json"))
	var seeds [][]byte
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		seeds = append(seeds, b)
	}
	if len(seeds) == 0 {
		f.Fatal("no seed bodies in ../testdata/requests")
	}
	return seeds
}

// checkAnswer fails unless rec holds a 200 with a JSON object, or a Graph
// error envelope with a code.
func checkAnswer(t *testing.T, rec *httptest.ResponseRecorder, body []byte) {
	t.Helper()
	if rec.Code == http.StatusOK {
		if !json.Valid(rec.Body.Bytes()) {
			t.Fatalf("200 with invalid JSON %q for body %q", rec.Body.Bytes(), body)
		}
		return
	}
	var env struct {
		Error *struct {
			Code      int    `json:"code"`
			Message   string `json:"message"`
			Type      string `json:"type"`
			FBTraceID string `json:"fbtrace_id"`
		} `json:"error"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &env); err != nil || env.Error == nil || env.Error.Code == 0 ||
		env.Error.Message == "" || env.Error.Type == "" || env.Error.FBTraceID == "" {
		t.Fatalf("HTTP %d with a body that is not a Graph error: %q (err %v) for body %q", rec.Code, rec.Body.Bytes(), err, body)
	}
	if rec.Code >= 500 {
		t.Fatalf("HTTP %d for a client's body %q: %s", rec.Code, body, rec.Body.Bytes())
	}
}

// FuzzMessages sends arbitrary bodies to the messages endpoint: the server
// must never panic, and must answer either 200 or a well-formed 4xx Graph
// error.
func FuzzMessages(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s)
	}
	f.Add([]byte(`{"messaging_product":"whatsapp","status":"read","message_id":"wamid.IN00000001","typing_indicator":{"type":"text"}}`))
	f.Add([]byte(`{"messaging_product":"whatsapp","to":"+15551230001","text":{"body":"no type"}}`))
	f.Add([]byte(`{"messaging_product":"whatsapp","to":"+15551230001","type":"template","template":{"name":"ticket_update","language":{"code":"en_US"},"components":[{"type":"body","parameters":[{"type":"text","text":"#1"},{"type":"text","text":"x"}]}]}}`))
	f.Add([]byte(`null`))
	f.Add([]byte(`[]`))
	srv := whatsapptest.NewUnstartedServer()
	defer srv.Close()
	srv.UserSends("+15551230001", "hi")
	if _, err := srv.AddTemplate(ticketTemplate()); err != nil {
		f.Fatal(err)
	}
	path := "/v23.0/" + srv.PhoneNumberID + "/messages"
	n := 0
	f.Fuzz(func(t *testing.T, body []byte) {
		if n++; n%1000 == 0 {
			srv.Reset() // keep the recorded traffic small
		}
		req := httptest.NewRequest(http.MethodPost, path, bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+srv.Token)
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		checkAnswer(t, rec, body)
	})
}

// FuzzTemplates sends arbitrary bodies to the template creation endpoint.
func FuzzTemplates(f *testing.F) {
	paths, _ := filepath.Glob(filepath.Join("..", "testdata", "templates", "*.json"))
	for _, p := range paths {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(`{"name":"t1","language":"en_US","category":"UTILITY","components":[{"type":"BODY","text":"Hello {{1}} there","example":{"body_text":[["x"]]}}]}`))
	f.Add([]byte(`{"name":"t2","language":"en_US","category":"MARKETING","parameter_format":"NAMED","components":[{"type":"HEADER","format":"TEXT","text":"Hi {{name}}"},{"type":"BODY","text":"x"},{"type":"BUTTONS","buttons":[{"type":"URL","text":"Go","url":"https://x.example/{{1}}","example":["https://x.example/a"]}]}]}`))
	srv := whatsapptest.NewUnstartedServer()
	defer srv.Close()
	path := "/v23.0/" + srv.WABAID + "/message_templates"
	f.Fuzz(func(t *testing.T, body []byte) {
		req := httptest.NewRequest(http.MethodPost, path, bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+srv.Token)
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		checkAnswer(t, rec, body)
		if rec.Code == http.StatusOK {
			// Keep the account under its template limit.
			var created struct{ ID string }
			json.Unmarshal(rec.Body.Bytes(), &created)
			del := httptest.NewRequest(http.MethodDelete, path+"?hsm_ids=%5B%22"+created.ID+"%22%5D", nil)
			del.Header.Set("Authorization", "Bearer "+srv.Token)
			srv.ServeHTTP(httptest.NewRecorder(), del)
		}
	})
}

package whatsapp

import (
	"bytes"
	"encoding/json"
	"flag"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Shared test helpers for every _test.go file of the package. Keep them
// generic; area-specific helpers go in the area's own test file with a name
// prefixed by the area.

var update = flag.Bool("update", false, "rewrite golden files in testdata/")

// testBasePath is where the API is mounted on the test server: a non-empty
// prefix, so that a request built with an absolute path fails loudly.
const testBasePath = "/graph"

// testSetup starts an httptest server with a fresh mux mounted under
// testBasePath and returns a Client pointed at it (token "test-token",
// retries off unless opts say otherwise). Handlers register API paths such
// as "/v23.0/1055/messages".
func testSetup(t testing.TB, opts ...Option) (*Client, *http.ServeMux) {
	t.Helper()
	mux := http.NewServeMux()
	outer := http.NewServeMux()
	outer.Handle(testBasePath+"/", http.StripPrefix(testBasePath, mux))
	outer.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("request outside the base path: %s %s", r.Method, r.URL.Path)
		http.Error(w, "outside base path", http.StatusBadGateway)
	})
	srv := httptest.NewServer(outer)
	t.Cleanup(srv.Close)
	all := append([]Option{WithBaseURL(srv.URL + testBasePath), WithRetry(RetryConfig{MaxAttempts: 1})}, opts...)
	return NewClient("test-token", all...), mux
}

// testMethod fails the test when r's method is not want.
func testMethod(t testing.TB, r *http.Request, want string) {
	t.Helper()
	if r.Method != want {
		t.Errorf("method = %s, want %s", r.Method, want)
	}
}

// testJSON compares two JSON documents by value, ignoring layout and key
// order.
func testJSON(t testing.TB, got []byte, want string) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("got invalid JSON: %v\n%s", err, got)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("want invalid JSON: %v\n%s", err, want)
	}
	if diff := cmp.Diff(w, g); diff != "" {
		t.Errorf("JSON mismatch (-want +got):\n%s", diff)
	}
}

// testBody reads r's body and compares it as JSON with want.
func testBody(t testing.TB, r *http.Request, want string) []byte {
	t.Helper()
	b, err := io.ReadAll(r.Body)
	if err != nil {
		t.Fatalf("reading body: %v", err)
	}
	testJSON(t, b, want)
	return b
}

// testGolden compares got (JSON) with testdata/<name>, or rewrites the file
// when the test runs with -update.
func testGolden(t testing.TB, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		var buf bytes.Buffer
		if err := json.Indent(&buf, got, "", "  "); err != nil {
			t.Fatalf("indenting %s: %v", name, err)
		}
		buf.WriteByte('\n')
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("reading golden file (run with -update to create it): %v", err)
	}
	testJSON(t, got, string(want))
}

// testSharedFile reads a file of the team's shared reference material
// (../shared, beside the repository). Outside CI the test is skipped when
// the material is absent (a user's clone); in CI (env CI set) it fails.
func testSharedFile(t testing.TB, rel string) []byte {
	t.Helper()
	dir := os.Getenv("WHATSAPP_SHARED_DIR")
	if dir == "" {
		dir = filepath.Join("..", "shared")
	}
	b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(rel)))
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("reference material missing in CI: %v", err)
		}
		t.Skipf("reference material ../shared/%s not found (it lives beside the repository in the team's checkout); skipping: %v", rel, err)
	}
	return b
}

// writeJSON answers with status and body.
func writeJSON(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	io.WriteString(w, body)
}

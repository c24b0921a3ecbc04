package whatsapp

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestBlockListEndpoints(t *testing.T) {
	runMgmtTests(t, []mgmtTestCase{
		{
			name: "block", method: "POST", path: "/v23.0/1055/block_users",
			body: `{"messaging_product":"whatsapp","block_users":[{"user":"+15550001111"},{"user":"15550003333"}]}`,
			resp: `{"messaging_product":"whatsapp","block_users":{"added_users":[{"input":"+15550001111","wa_id":"15550001111"},
				{"input":"15550003333","wa_id":"15550003333"}]}}`,
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.BlockUsers(ctx, "1055", "+15550001111", "15550003333")
			},
			want: &BlockUsersResult{Users: []BlockedUser{{Input: "+15550001111", WaID: "15550001111"}, {Input: "15550003333", WaID: "15550003333"}}},
		},
		{
			name: "unblock", method: "DELETE", path: "/v23.0/1055/block_users",
			body: `{"messaging_product":"whatsapp","block_users":[{"user":"+15550001111"}]}`,
			resp: `{"messaging_product":"whatsapp","block_users":{"removed_users":[{"input":"+15550001111","wa_id":"15550001111"}]}}`,
			call: func(ctx context.Context, c *Client) (any, error) { return c.UnblockUsers(ctx, "1055", "+15550001111") },
			want: &BlockUsersResult{Users: []BlockedUser{{Input: "+15550001111", WaID: "15550001111"}}},
		},
		{
			name: "list one page", method: "GET", path: "/v23.0/1055/block_users",
			query: url.Values{"limit": {"2"}, "after": {"eyJvZA"}},
			resp: `{"data":[{"messaging_product":"whatsapp","wa_id":"15550001111"}],
				"paging":{"cursors":{"after":"eyJvZB","before":"eyJvZA"}}}`,
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.ListBlockedUsersPage(ctx, "1055", &ListBlockedUsersOptions{Limit: 2, After: "eyJvZA"})
			},
			want: &BlockedUserPage{Users: []BlockedUser{{WaID: "15550001111"}}, Paging: Paging{Cursors: Cursors{After: "eyJvZB", Before: "eyJvZA"}}},
		},
	})
}

// TestBlockUsersPartialFailure: the platform answers 400 (#139100) with
// the per-user lists; BlockUsers returns both the lists and the error.
func TestBlockUsersPartialFailure(t *testing.T) {
	c, mux := testSetup(t)
	mux.HandleFunc("/v23.0/1055/block_users", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 400, mediaTestFixture(t, "block_users_partial.json"))
	})
	res, err := c.BlockUsers(context.Background(), "1055", "+15550001111", "+15550002222", "+1555000")
	var ae *APIError
	if !errors.As(err, &ae) || ae.Code != 139100 || ae.HTTPStatus != 400 {
		t.Fatalf("err = %v, want the 139100 *APIError", err)
	}
	if res == nil {
		t.Fatal("no result with the partial failure")
	}
	if want := []BlockedUser{{Input: "+15550001111", WaID: "15550001111"}}; !cmp.Equal(res.Users, want) {
		t.Errorf("Users = %+v, want %+v", res.Users, want)
	}
	if len(res.Failed) != 2 {
		t.Fatalf("Failed = %+v, want 2 users", res.Failed)
	}
	f0, f1 := res.Failed[0], res.Failed[1]
	if f0.Input != "+15550002222" || f0.WaID != "15550002222" || !errors.Is(f0.Err(), ErrWindowClosed) {
		t.Errorf("Failed[0] = %+v (err %v), want 131047 (ErrWindowClosed)", f0, f0.Err())
	}
	var fe *APIError
	if f1.WaID != "" || !errors.As(f1.Err(), &fe) || fe.Code != 139102 || fe.Details == "" {
		t.Errorf("Failed[1] = %+v (err %v), want code 139102 from a string, no wa_id", f1, f1.Err())
	}
}

func TestBlockUsersFailures(t *testing.T) {
	t.Run("whole call fails", func(t *testing.T) {
		c, mux := testSetup(t)
		mux.HandleFunc("/v23.0/1055/block_users", func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, 400, `{"error":{"message":"(#139101) Blocklist limit reached","type":"OAuthException","code":139101}}`)
		})
		res, err := c.BlockUsers(context.Background(), "1055", "+15550001111")
		var ae *APIError
		if res != nil || !errors.As(err, &ae) || ae.Code != 139101 {
			t.Errorf("res %+v err %v, want nil and the 139101 error", res, err)
		}
	})
	t.Run("error body not JSON", func(t *testing.T) {
		c, mux := testSetup(t)
		mux.HandleFunc("/v23.0/1055/block_users", func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, "<html>bad gateway</html>", http.StatusBadGateway)
		})
		res, err := c.UnblockUsers(context.Background(), "1055", "+15550001111")
		var ae *APIError
		if res != nil || !errors.As(err, &ae) || ae.HTTPStatus != 502 {
			t.Errorf("res %+v err %v", res, err)
		}
	})
	t.Run("FailedUser without errors", func(t *testing.T) {
		if err := (FailedUser{Input: "x"}).Err(); err != nil {
			t.Errorf("Err() = %v, want nil", err)
		}
	})
}

func TestBlockUsersLocalErrors(t *testing.T) {
	many := make([]string, MaxBlockUsersPerRequest+1)
	for i := range many {
		many[i] = "+1555" + strconv.Itoa(1000000+i)
	}
	tests := []struct {
		name  string
		field string
		users []string
	}{
		{"no users", "block_users", nil},
		{"over 1000 users", "block_users", many},
		{"not a phone number", "block_users[1].user", []string{"+15550001111", "alice"}},
		{"too few digits", "block_users[0].user", []string{"+1555"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			mgmtTestNoRequest(t, tc.field, func(ctx context.Context, c *Client) error {
				_, err := c.BlockUsers(ctx, "1055", tc.users...)
				return err
			})
			mgmtTestNoRequest(t, tc.field, func(ctx context.Context, c *Client) error {
				_, err := c.UnblockUsers(ctx, "1055", tc.users...)
				return err
			})
		})
	}
	// Exactly 1000 is allowed.
	c, mux := testSetup(t)
	mux.HandleFunc("/v23.0/1055/block_users", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, `{"block_users":{"added_users":[]}}`)
	})
	if _, err := c.BlockUsers(context.Background(), "1055", many[:MaxBlockUsersPerRequest]...); err != nil {
		t.Errorf("1000 users: %v", err)
	}
}

func TestListBlockedUsersIterator(t *testing.T) {
	c, mux := testSetup(t)
	asked := mediaTestPager(t, mux, "/v23.0/1055/block_users", [][]string{
		{`{"messaging_product":"whatsapp","wa_id":"1"}`}, {`{"messaging_product":"whatsapp","wa_id":"2"}`},
	}, url.Values{"limit": {"1"}})
	var got []string
	for u, err := range c.ListBlockedUsers(context.Background(), "1055", &ListBlockedUsersOptions{Limit: 1}) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, u.WaID)
	}
	if diff := cmp.Diff([]string{"1", "2"}, got); diff != "" {
		t.Errorf("wa_ids (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"", "page1"}, *asked, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("cursors (-want +got):\n%s", diff)
	}
}

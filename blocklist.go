package whatsapp

import (
	"context"
	"encoding/json"
	"errors"
	"iter"
	"net/http"
)

// Block list limits.
const (
	// MaxBlockUsersPerRequest is how many users one block or unblock call
	// may name.
	MaxBlockUsersPerRequest = 1000
	// MaxBlockedUsers is the size of a number's block list.
	MaxBlockedUsers = 64000
)

// BlockedUser is a user on a block list, or named in a block or unblock
// call.
type BlockedUser struct {
	// Input is the phone number or user ID as given in the call.
	Input string `json:"input,omitempty"`
	// WaID is the user's WhatsApp ID.
	WaID string `json:"wa_id,omitempty"`
}

// FailedUser is a user a block or unblock call could not handle.
type FailedUser struct {
	// Input is the phone number or user ID as given in the call.
	Input string `json:"input,omitempty"`
	// WaID is the user's WhatsApp ID; empty when the number is invalid.
	WaID string `json:"wa_id,omitempty"`
	// Errors say why, e.g. 131047 when the user has not written in the
	// last 24 hours.
	Errors []*APIError `json:"errors,omitempty"`
}

// Err returns the first of the user's errors, or nil.
func (f FailedUser) Err() error {
	if len(f.Errors) == 0 || f.Errors[0] == nil {
		return nil
	}
	return f.Errors[0]
}

// BlockUsersResult is the per-user outcome of BlockUsers or UnblockUsers.
type BlockUsersResult struct {
	// Users are the users blocked (added_users) or unblocked
	// (removed_users).
	Users []BlockedUser
	// Failed are the users the platform refused, each with its errors.
	Failed []FailedUser
}

type blockUsersBody struct {
	MessagingProduct string      `json:"messaging_product"`
	BlockUsers       []blockUser `json:"block_users"`
}

type blockUser struct {
	User string `json:"user"`
}

type blockUsersResponse struct {
	BlockUsers struct {
		AddedUsers   []BlockedUser `json:"added_users"`
		RemovedUsers []BlockedUser `json:"removed_users"`
		FailedUsers  []FailedUser  `json:"failed_users"`
	} `json:"block_users"`
}

// BlockUsers blocks users (phone numbers in E.164 form or WhatsApp IDs)
// from contacting phoneNumberID, and the business from messaging them.
// Only users who wrote to the business in the last 24 hours can be
// blocked (the platform enforces it, per user); a list holds at most
// 64,000 users, and one call names at most 1,000.
//
// The result lists, per user, who was blocked and who was not and why.
// When some users failed the platform answers 139100 and BlockUsers
// returns both the result and that *APIError; when the call fails as a
// whole the result is nil. Bad input is a *ValidationError, before any
// request.
//
// Cloud API: POST /{phone-number-id}/block_users.
func (c *Client) BlockUsers(ctx context.Context, phoneNumberID string, users ...string) (*BlockUsersResult, error) {
	return c.blockUsers(ctx, http.MethodPost, phoneNumberID, users)
}

// UnblockUsers removes users from the block list of phoneNumberID. The
// result and errors are as for BlockUsers (Users lists the users
// unblocked).
//
// Cloud API: DELETE /{phone-number-id}/block_users.
func (c *Client) UnblockUsers(ctx context.Context, phoneNumberID string, users ...string) (*BlockUsersResult, error) {
	return c.blockUsers(ctx, http.MethodDelete, phoneNumberID, users)
}

func (c *Client) blockUsers(ctx context.Context, method, phoneNumberID string, users []string) (*BlockUsersResult, error) {
	seg, err := pathSegment("phone_number_id", phoneNumberID)
	if err != nil {
		return nil, err
	}
	if err := checkCount("block_users", len(users), 1, MaxBlockUsersPerRequest); err != nil {
		return nil, err
	}
	body := blockUsersBody{MessagingProduct: "whatsapp", BlockUsers: make([]blockUser, len(users))}
	for i, u := range users {
		if err := checkRecipient(index("block_users", i)+".user", u); err != nil {
			return nil, err
		}
		body.BlockUsers[i].User = u
	}
	var out blockUsersResponse
	var errBody []byte
	err = c.do(ctx, &request{method: method, path: seg + "/block_users", json: body, errorBody: &errBody}, &out)
	if err != nil {
		// A partial failure comes as an error response that also carries
		// the per-user lists.
		var ae *APIError
		if !errors.As(err, &ae) || len(errBody) == 0 || json.Unmarshal(errBody, &out) != nil {
			return nil, err
		}
		res := out.result()
		if len(res.Users) == 0 && len(res.Failed) == 0 {
			return nil, err
		}
		return res, err
	}
	return out.result(), nil
}

func (r *blockUsersResponse) result() *BlockUsersResult {
	users := r.BlockUsers.AddedUsers
	if len(users) == 0 {
		users = r.BlockUsers.RemovedUsers
	}
	return &BlockUsersResult{Users: users, Failed: r.BlockUsers.FailedUsers}
}

// ListBlockedUsersOptions pages a block list.
type ListBlockedUsersOptions struct {
	// Limit is the page size.
	Limit int `url:"limit,omitempty"`
	// After and Before are paging cursors from a previous page.
	After  string `url:"after,omitempty"`
	Before string `url:"before,omitempty"`
}

// BlockedUserPage is one page of a block list.
type BlockedUserPage struct {
	// Users are the page's blocked users (WaID set, Input empty).
	Users []BlockedUser `json:"data"`
	// Paging holds the cursors to the next and previous pages.
	Paging Paging `json:"paging"`
}

// ListBlockedUsersPage returns one page of the block list of
// phoneNumberID. Pass Paging.Cursors.After as opts.After for the next
// page, or use ListBlockedUsers to walk them all. It returns a
// *ValidationError for a bad id and an *APIError when the API refuses the
// call.
//
// Cloud API: GET /{phone-number-id}/block_users.
func (c *Client) ListBlockedUsersPage(ctx context.Context, phoneNumberID string, opts *ListBlockedUsersOptions) (*BlockedUserPage, error) {
	seg, err := pathSegment("phone_number_id", phoneNumberID)
	if err != nil {
		return nil, err
	}
	q, err := listQuery(opts)
	if err != nil {
		return nil, err
	}
	page := new(BlockedUserPage)
	if err := c.do(ctx, &request{method: http.MethodGet, path: seg + "/block_users", query: q}, page); err != nil {
		return nil, err
	}
	return page, nil
}

// ListBlockedUsers returns an iterator over the whole block list of
// phoneNumberID, fetching pages lazily as the loop advances (opts is
// copied). On an error the iterator yields it once and stops.
//
// Cloud API: GET /{phone-number-id}/block_users.
func (c *Client) ListBlockedUsers(ctx context.Context, phoneNumberID string, opts *ListBlockedUsersOptions) iter.Seq2[BlockedUser, error] {
	var o ListBlockedUsersOptions
	if opts != nil {
		o = *opts
	}
	return walkPages(phoneNumberID+"/block_users", func(after string) ([]BlockedUser, Paging, error) {
		o := o
		if after != "" {
			o.After, o.Before = after, ""
		}
		p, err := c.ListBlockedUsersPage(ctx, phoneNumberID, &o)
		if err != nil {
			return nil, Paging{}, err
		}
		return p.Users, p.Paging, nil
	})
}

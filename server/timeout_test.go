package server_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"gridgis/grid"
	"gridgis/grid/rebalance"
	"gridgis/server"
)

// deadlineStore records how long each store call it answers was given,
// and fails it; every other call panics (the embedded nil Store).
type deadlineStore struct {
	server.Store
	admin grid.User
	mu    sync.Mutex
	given map[string]time.Duration
}

var errRecorded = errors.New("recorded")

func (d *deadlineStore) record(ctx context.Context, call string) error {
	deadline, ok := ctx.Deadline()
	d.mu.Lock()
	defer d.mu.Unlock()
	if ok {
		d.given[call] = time.Until(deadline)
	} else {
		d.given[call] = -1
	}
	return errRecorded
}

func (d *deadlineStore) TokenUser(context.Context, []byte) (grid.User, *time.Time, error) {
	return d.admin, nil, nil
}
func (d *deadlineStore) SessionUser(ctx context.Context, _ []byte, _ time.Duration) (grid.User, time.Time, error) {
	_ = d.record(ctx, "SessionUser")
	return grid.User{}, time.Time{}, grid.Errorf(grid.EUnauthorized, "no session")
}
func (d *deadlineStore) TakeLoginSlot(ctx context.Context, _, _ string) (time.Duration, error) {
	return 0, d.record(ctx, "TakeLoginSlot")
}
func (d *deadlineStore) DeleteSession(ctx context.Context, _ []byte) error {
	return d.record(ctx, "DeleteSession")
}
func (d *deadlineStore) CreateToken(ctx context.Context, _ int64, _ string, _ []byte, _ *time.Time) (grid.Token, error) {
	return grid.Token{}, d.record(ctx, "CreateToken")
}
func (d *deadlineStore) ListTokens(ctx context.Context, _ int64) ([]grid.Token, error) {
	return nil, d.record(ctx, "ListTokens")
}
func (d *deadlineStore) RevokeToken(ctx context.Context, _, _ int64, _ bool) (grid.Token, error) {
	return grid.Token{}, d.record(ctx, "RevokeToken")
}
func (d *deadlineStore) ListAudit(ctx context.Context, _, _ int64, _ int) ([]grid.AuditEntry, error) {
	return nil, d.record(ctx, "ListAudit")
}
func (d *deadlineStore) UpdateOrg(ctx context.Context, _ grid.Scope, _ grid.Actor, _ int64, _ grid.OrgPatch) (int, error) {
	return 0, d.record(ctx, "UpdateOrg")
}
func (d *deadlineStore) SetOrgLiaison(ctx context.Context, _ grid.Scope, _ grid.Actor, _ int64, _ grid.LiaisonChange) (grid.OrgLiaison, error) {
	return grid.OrgLiaison{}, d.record(ctx, "SetOrgLiaison")
}
func (d *deadlineStore) ListContacts(ctx context.Context, _ grid.ContactFilter) ([]grid.ContactEntry, error) {
	return nil, d.record(ctx, "ListContacts")
}
func (d *deadlineStore) CreateContact(ctx context.Context, _ grid.Scope, _ grid.Actor, _ grid.Contact) (grid.ContactEntry, error) {
	return grid.ContactEntry{}, d.record(ctx, "CreateContact")
}
func (d *deadlineStore) ListRebalancePlans(ctx context.Context, f rebalance.PlanFilter) ([]rebalance.SavedPlan, error) {
	if f.BeforeID > 0 && f.ZoneID != nil {
		// The apply's check that the plan is of the admin's zone: it is.
		return []rebalance.SavedPlan{{ID: f.BeforeID - 1, ZoneID: *f.ZoneID}}, nil
	}
	return nil, d.record(ctx, "ListRebalancePlans")
}
func (d *deadlineStore) FindRebalancePlan(ctx context.Context, _ int64) (rebalance.SavedPlan, error) {
	return rebalance.SavedPlan{}, d.record(ctx, "FindRebalancePlan")
}
func (d *deadlineStore) FindZone(ctx context.Context, _ string) (grid.Zone, error) {
	return grid.Zone{}, d.record(ctx, "FindZone")
}
func (d *deadlineStore) ApplyRebalancePlan(ctx context.Context, _ grid.Actor, _ int64) (rebalance.SavedPlan, error) {
	return rebalance.SavedPlan{}, d.record(ctx, "ApplyRebalancePlan")
}
func (d *deadlineStore) Units(ctx context.Context, _ int64) ([]grid.Unit, error) {
	return nil, d.record(ctx, "Units")
}
func (d *deadlineStore) Stats(ctx context.Context, _ grid.StatsQuery) (grid.Stats, error) {
	return grid.Stats{}, d.record(ctx, "Stats")
}

// Every handler's store call is bounded by the timeout the configuration
// gives, not by one written into the handler; a zero configuration keeps
// the defaults of 10 s, 5 s, 60 s and 2 min.
func TestHandlersUseConfiguredTimeouts(t *testing.T) {
	for _, cfg := range []server.Config{
		{CallTimeout: 8 * time.Second, LookupTimeout: 3 * time.Second, QueryTimeout: 40 * time.Second, PlanTimeout: 50 * time.Second},
		{},
	} {
		call, lookup, query, plan := cfg.CallTimeout, cfg.LookupTimeout, cfg.QueryTimeout, cfg.PlanTimeout
		if cfg.CallTimeout == 0 {
			call, lookup, query, plan = 10*time.Second, 5*time.Second, 60*time.Second, 2*time.Minute
		}
		t.Run(fmt.Sprintf("call %s lookup %s query %s plan %s", call, lookup, query, plan), func(t *testing.T) {
			checkTimeouts(t, cfg, call, lookup, query, plan)
		})
	}
}

func checkTimeouts(t *testing.T, cfg server.Config, call, lookup, query, plan time.Duration) {
	store := &deadlineStore{admin: grid.User{ID: 1, Username: "admin", Role: grid.RoleAdmin, ZoneID: 1},
		given: map[string]time.Duration{}}
	srv := server.New(cfg, store, discardLog)
	token, _ := grid.NewSecret(grid.TokenPrefix)
	tests := []struct {
		method, path, body string
		bearer             bool
		call               string
		want               time.Duration
	}{
		{"POST", "/api/v1/session", `{"username":"admin","password":"secret"}`, false, "TakeLoginSlot", call},
		{"DELETE", "/api/v1/session", "", false, "DeleteSession", lookup},
		{"DELETE", "/api/v1/session", "", false, "SessionUser", lookup}, // authenticate
		{"POST", "/api/v1/tokens", `{"name":"t"}`, true, "CreateToken", lookup},
		{"GET", "/api/v1/tokens", "", true, "ListTokens", lookup},
		{"DELETE", "/api/v1/tokens/3", "", true, "RevokeToken", lookup},
		{"GET", "/api/v1/audit", "", true, "ListAudit", call},
		{"PATCH", "/api/v1/organizations/3", `{"version":1}`, true, "UpdateOrg", call},
		{"PUT", "/api/v1/organizations/3/liaison", `{"liaison_id":null}`, true, "SetOrgLiaison", call},
		{"GET", "/api/v1/organizations/3/contacts", "", true, "ListContacts", call},
		{"POST", "/api/v1/organizations/3/contacts", `{"kind":"contact"}`, true, "CreateContact", call},
		{"GET", "/api/v1/rebalance/plans", "", true, "ListRebalancePlans", call},
		{"GET", "/api/v1/rebalance/plans/3", "", true, "FindRebalancePlan", call},
		{"POST", "/api/v1/rebalance/plans", "", true, "FindZone", plan},
		{"POST", "/api/v1/rebalance/plans/3/apply", "", true, "ApplyRebalancePlan", plan},
		{"GET", "/api/v1/units", "", true, "Units", query},
		{"GET", "/api/v1/stats", "", true, "Stats", query},
	}
	for _, tt := range tests {
		t.Run(tt.call, func(t *testing.T) {
			req := httptest.NewRequest(tt.method, tt.path, strings.NewReader(tt.body))
			req.Header.Set("Content-Type", "application/json")
			if tt.bearer {
				req.Header.Set("Authorization", "Bearer "+token)
			} else {
				req.AddCookie(&http.Cookie{Name: "gridgis_session", Value: "x"})
			}
			resp, err := srv.App().Test(req, -1)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			store.mu.Lock()
			given, called := store.given[tt.call]
			store.mu.Unlock()
			if !called {
				t.Fatalf("status %d: %s was not called", resp.StatusCode, tt.call)
			}
			// The call was given the configured time, less what the
			// handler spent before it (nothing slow).
			if given > tt.want || given < tt.want-2*time.Second {
				t.Errorf("%s was given %s, want the configured %s", tt.call, given.Round(time.Second), tt.want)
			}
		})
	}
}

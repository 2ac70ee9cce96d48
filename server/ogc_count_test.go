package server_test

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"

	"gridgis/grid"
	"gridgis/server"
)

// countQueriesStore is the real store, counting the count queries OGC items
// run (and the grid streams, which the grids collection counts over).
type countQueriesStore struct {
	server.Store
	counts, gridReads atomic.Int64
}

func (s *countQueriesStore) CountOrgs(ctx context.Context, f grid.OrgFilter) (int64, error) {
	s.counts.Add(1)
	return s.Store.CountOrgs(ctx, f)
}

func (s *countQueriesStore) CountRequests(ctx context.Context, f grid.RequestFilter) (int64, error) {
	s.counts.Add(1)
	return s.Store.CountRequests(ctx, f)
}

func (s *countQueriesStore) CountLiaisons(ctx context.Context, f grid.LiaisonFilter) (int64, error) {
	s.counts.Add(1)
	return s.Store.CountLiaisons(ctx, f)
}

func (s *countQueriesStore) EachGridFeature(ctx context.Context, f grid.GridFilter, fn grid.FeatureFunc) error {
	s.gridReads.Add(1)
	return s.Store.EachGridFeature(ctx, f, fn)
}

// OGC items count numberMatched only when the first page is full (a next
// page exists): a page with fewer features than the limit has them all.
func TestOGCItemsCountOnlyFullPages(t *testing.T) {
	fx := setup(t)
	fx.addRequests(t)
	web := t.TempDir()
	if err := os.WriteFile(filepath.Join(web, "index.html"), []byte("<!doctype html><title>gridgis</title>"), 0o644); err != nil {
		t.Fatal(err)
	}
	store := &countQueriesStore{Store: fx.db}
	srv := server.New(server.Config{WebDir: web}, store, discardLog)
	tests := []struct {
		target  string
		matched int64 // on the first page; -1: none (a later page)
		counted bool
	}{
		{"/ogc/collections/organizations/items?bbox=" + fixtureBBox, 25, false},
		{"/ogc/collections/organizations/items?limit=25&bbox=" + fixtureBBox, 25, false}, // full, but no next page
		{"/ogc/collections/organizations/items?limit=7&bbox=" + fixtureBBox, 25, true},
		{"next", -1, false}, // the page after the last full one
		{"/ogc/collections/requests/items?bbox=" + fixtureBBox, 3, false},
		{"/ogc/collections/requests/items?limit=2&bbox=" + fixtureBBox, 3, true},
		{"/ogc/collections/liaisons/items?bbox=" + fixtureBBox, 1, false},
		{"/ogc/collections/grids/items?bbox=" + fixtureBBox, 2, false},
		{"/ogc/collections/grids/items?limit=1&bbox=" + fixtureBBox, 2, true},
	}
	next := ""
	for _, tt := range tests {
		t.Run(tt.target, func(t *testing.T) {
			target := tt.target
			if target == "next" {
				target = pathOf(t, next)
			}
			counts, gridReads := store.counts.Load(), store.gridReads.Load()
			req := jsonRequest(http.MethodGet, target, "")
			req.AddCookie(&http.Cookie{Name: "gridgis_session", Value: fx.sessions[admin]})
			status, _, body := send(t, srv, req)
			if status != http.StatusOK {
				t.Fatalf("status %d: %s", status, body)
			}
			var pg ogcPage
			if err := json.Unmarshal(body, &pg); err != nil {
				t.Fatal(err)
			}
			next = pg.link("next")
			switch {
			case tt.matched < 0 && pg.NumberMatched != nil:
				t.Errorf("numberMatched %d on a later page", *pg.NumberMatched)
			case tt.matched >= 0 && (pg.NumberMatched == nil || *pg.NumberMatched != tt.matched):
				t.Errorf("numberMatched %v, want %d", pg.NumberMatched, tt.matched)
			}
			ran := store.counts.Load() - counts
			if grids := store.gridReads.Load() - gridReads; grids > 0 {
				ran = grids - 1 // the page's own read, then the count's
			}
			if want := map[bool]int64{false: 0, true: 1}[tt.counted]; ran != want {
				t.Errorf("%d count queries, want %d", ran, want)
			}
		})
	}
}

// staleCountStore counts no organizations, as a count would that read a
// snapshot after every match was deleted.
type staleCountStore struct{ server.Store }

func (staleCountStore) CountOrgs(context.Context, grid.OrgFilter) (int64, error) { return 0, nil }

// numberMatched is never less than the page and the row known to follow
// it, whatever the count's own snapshot saw.
func TestOGCNumberMatchedNotBelowThePage(t *testing.T) {
	fx := setup(t)
	web := t.TempDir()
	if err := os.WriteFile(filepath.Join(web, "index.html"), []byte("<!doctype html><title>gridgis</title>"), 0o644); err != nil {
		t.Fatal(err)
	}
	srv := server.New(server.Config{WebDir: web}, staleCountStore{fx.db}, discardLog)
	req := jsonRequest(http.MethodGet, "/ogc/collections/organizations/items?limit=7&bbox="+fixtureBBox, "")
	req.AddCookie(&http.Cookie{Name: "gridgis_session", Value: fx.sessions[admin]})
	status, _, body := send(t, srv, req)
	if status != http.StatusOK {
		t.Fatalf("status %d: %s", status, body)
	}
	var pg ogcPage
	if err := json.Unmarshal(body, &pg); err != nil {
		t.Fatal(err)
	}
	if pg.NumberMatched == nil {
		t.Fatal("no numberMatched on a full first page")
	}
	if *pg.NumberMatched != 8 {
		t.Errorf("numberMatched %d, want 8 (7 returned, and a next page)", *pg.NumberMatched)
	}
}

package postgis

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"gridgis/grid"
)

// The overdue filter is the gap of contact_7d or visit_30d at now, and
// binds now rather than writing it.
func TestOrgWhereOverdue(t *testing.T) {
	now := time.Date(2026, 3, 15, 10, 0, 0, 0, time.UTC)
	all := grid.Scope{All: true}
	contact, visit, bogus := grid.ContactCall, grid.ContactVisit, grid.ContactKind("call")
	gridID := int64(4)
	tests := []struct {
		name      string
		f         grid.OrgFilter
		wantSQL   string
		wantArgs  []any
		wantField string
	}{
		{"no filter", grid.OrgFilter{Scope: all}, "WHERE o.active AND true", nil, ""},
		{"contact", grid.OrgFilter{Scope: all, Overdue: &contact},
			"WHERE o.active AND true AND a.id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM contact c WHERE c.org_id = o.id " +
				"AND c.at > $1::timestamptz - interval '7 days' AND c.at <= $1)", []any{now}, ""},
		{"visit in a grid", grid.OrgFilter{Scope: all, GridID: &gridID, Overdue: &visit},
			"WHERE o.active AND true AND o.grid_id = $1 AND a.id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM contact c " +
				"WHERE c.org_id = o.id AND c.kind = 'visit' AND c.at > $2::timestamptz - interval '30 days' AND c.at <= $2)",
			[]any{gridID, now}, ""},
		{"unknown kind", grid.OrgFilter{Scope: all, Overdue: &bogus}, "", nil, "overdue"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, err := orgWhereNow(tt.f, now)
			if tt.wantField != "" {
				var e *grid.Error
				if ge, ok := err.(*grid.Error); ok {
					e = ge
				}
				if e == nil || e.Code != grid.EInvalid || e.Field != tt.wantField {
					t.Fatalf("err = %v, want invalid %s", err, tt.wantField)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := w.String(); got != tt.wantSQL {
				t.Errorf("SQL = %q\nwant  %q", got, tt.wantSQL)
			}
			if diff := cmp.Diff(tt.wantArgs, w.args); diff != "" {
				t.Errorf("args (-want +got):\n%s", diff)
			}
		})
	}
}

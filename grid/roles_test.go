package grid

import (
	"slices"
	"testing"
)

// TestRolePermissions is the whole permission matrix, written out by hand
// from DESIGN.md's roles: a change to roleTable must change this too.
func TestRolePermissions(t *testing.T) {
	everything := []Action{ReadZone, EditOrgs, SetGridByHand, AssignLiaisons, LogContacts, ReportRequests, AssignRequests,
		WorkRequests, ReviewRequests, RejectRequests, ReassignRequests, RemindRequests, ReadPlans, MakePlans, ReadAudit,
		RevokeTokens, ReadMetrics, ImportData}
	want := map[Role][]Action{
		RoleAdmin: everything,
		RoleOfficer: {ReadZone, EditOrgs, AssignLiaisons, LogContacts, ReportRequests, AssignRequests,
			WorkRequests, ReviewRequests, RejectRequests, ReassignRequests, RemindRequests},
		RoleLiaison:   {ReadZone, LogContacts, ReportRequests, WorkRequests},
		RolePlanner:   {ReadZone, ReadPlans},
		Role("guest"): nil,
	}
	for role, may := range want {
		for _, a := range everything {
			if got := role.May(a); got != slices.Contains(may, a) {
				t.Errorf("%s.May(%s) = %v", role, a, got)
			}
			_, err := User{Role: role}.Permit(a)
			if (err == nil) != slices.Contains(may, a) || err != nil && ErrorCode(err) != EForbidden {
				t.Errorf("%s Permit(%s) = %v", role, a, err)
			}
		}
	}
}

func TestUserScope(t *testing.T) {
	tests := []struct {
		u    User
		want Scope
	}{
		{User{Role: RoleAdmin, GridIDs: []int64{1}, LiaisonID: 2}, Scope{All: true}},
		{User{Role: RolePlanner}, Scope{All: true}},
		{User{Role: RoleOfficer, GridIDs: []int64{1, 3}, LiaisonID: 2}, Scope{GridIDs: []int64{1, 3}}},
		{User{Role: RoleLiaison, GridIDs: []int64{1}, LiaisonID: 2}, Scope{LiaisonID: 2}},
		{User{Role: "guest", LiaisonID: 2}, Scope{}},
	}
	for _, tt := range tests {
		got := tt.u.Scope()
		if got.All != tt.want.All || !slices.Equal(got.GridIDs, tt.want.GridIDs) || got.LiaisonID != tt.want.LiaisonID {
			t.Errorf("%s: scope %+v, want %+v", tt.u.Role, got, tt.want)
		}
		if s, err := tt.u.Permit(ReadZone); err == nil && (s.All != got.All || s.LiaisonID != got.LiaisonID) {
			t.Errorf("%s: Permit scope %+v, want its scope %+v", tt.u.Role, s, got)
		}
	}
}

// A store handed a bare scope refuses what no role of that reach may do.
func TestScopePermits(t *testing.T) {
	zone, grids, liaison := Scope{All: true}, Scope{GridIDs: []int64{4}}, Scope{LiaisonID: 9}
	tests := []struct {
		s    Scope
		a    Action
		want bool
	}{
		{zone, AssignLiaisons, true}, // an admin
		{zone, MakePlans, true},
		{grids, AssignLiaisons, true},
		{grids, MakePlans, false},
		{zone, SetGridByHand, true},
		{grids, SetGridByHand, false},
		{grids, EditOrgs, true},
		{liaison, AssignLiaisons, false},
		{liaison, EditOrgs, false},
		{liaison, LogContacts, true},
		{liaison, WorkRequests, true},
		{Scope{}, ReadZone, false},
	}
	for _, tt := range tests {
		if got := tt.s.Permits(tt.a); got != tt.want {
			t.Errorf("%+v.Permits(%s) = %v", tt.s, tt.a, got)
		}
	}
}

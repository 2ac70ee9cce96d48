package grid

// Who may do what, in one table. A role has a reach (the Scope it sees)
// and a set of actions it may take on what it sees; the server checks
// routes and the store checks writes against the same table, so a new
// role is one row here plus its tests.

// Role is what a user may do.
type Role string

// The roles.
const (
	RoleAdmin   Role = "admin"   // everything
	RoleOfficer Role = "officer" // 网格员: their own grid(s)
	RoleLiaison Role = "liaison" // 红领联络员: their own organizations
	RolePlanner Role = "planner" // read-only everywhere
)

// Roles lists every role.
var Roles = []Role{RoleAdmin, RoleOfficer, RoleLiaison, RolePlanner}

// Action is something a role may be allowed to do.
type Action string

// The actions.
const (
	ReadZone       Action = "read_zone"       // the map, lists, statistics and live events within reach
	EditOrgs       Action = "edit_orgs"       // create, change, move and retire organizations
	SetGridByHand  Action = "manual_grid"     // fix an organization's grid by hand (reason manual)
	AssignLiaisons Action = "assign_liaisons" // give an organization its liaison by hand
	LogContacts    Action = "log_contacts"    // record a contact or visit
	ReportRequests Action = "report_requests" // 发现: raise a request
	AssignRequests Action = "assign_requests" // 交办
	WorkRequests   Action = "work_requests"   // 整改 and 销号 (a liaison: only requests assigned to them)
	ReviewRequests Action = "review_requests" // 复核: verify or send back
	RejectRequests Action = "reject_requests" // 不予受理
	// 改派 and 催办: the roles that assign requests hand them on and chase
	// them, within their reach.
	ReassignRequests Action = "reassign_requests" // 改派: to another liaison and/or unit
	RemindRequests   Action = "remind_requests"   // 催办: a recorded reminder to the assignee
	ReadPlans        Action = "read_plans"        // rebalance plans
	MakePlans        Action = "make_plans"        // build and apply rebalance plans
	ReadAudit        Action = "read_audit"        // the audit log
	RevokeTokens     Action = "revoke_tokens"     // any user's API tokens, not only one's own
	ReadMetrics      Action = "read_metrics"      // /metrics from anywhere
	ImportData       Action = "import_data"       // import registers and boundaries, read others' jobs
)

// reach is the kind of Scope a role sees.
type reach int

const (
	reachZone    reach = iota + 1 // the whole zone
	reachGrids                    // the user's grids
	reachLiaison                  // the organizations and requests of the user's liaison record
)

// roleTable is every permission: each role's reach and its actions within it.
var roleTable = map[Role]struct {
	reach reach
	may   []Action
}{
	RoleAdmin: {reachZone, []Action{ReadZone, EditOrgs, SetGridByHand, AssignLiaisons, LogContacts, ReportRequests,
		AssignRequests, WorkRequests, ReviewRequests, RejectRequests, ReassignRequests, RemindRequests,
		ReadPlans, MakePlans, ReadAudit, RevokeTokens, ReadMetrics, ImportData}},
	RoleOfficer: {reachGrids, []Action{ReadZone, EditOrgs, AssignLiaisons, LogContacts, ReportRequests,
		AssignRequests, WorkRequests, ReviewRequests, RejectRequests, ReassignRequests, RemindRequests}},
	RoleLiaison: {reachLiaison, []Action{ReadZone, LogContacts, ReportRequests, WorkRequests}},
	RolePlanner: {reachZone, []Action{ReadZone, ReadPlans}},
}

// May reports whether role r may take action a on what it can see.
func (r Role) May(a Action) bool {
	return oneOf(a, roleTable[r].may)
}

// Permit is the permission check: the Scope within which u may take a,
// or EForbidden.
func (u User) Permit(a Action) (Scope, error) {
	if !u.Role.May(a) {
		return Scope{}, Errorf(EForbidden, "role %s may not %s", u.Role, a)
	}
	return u.Scope(), nil
}

// Scope returns what u's role sees; an unknown role sees nothing.
func (u User) Scope() Scope {
	switch roleTable[u.Role].reach {
	case reachZone:
		return Scope{All: true, ZoneID: u.ZoneID}
	case reachGrids:
		return Scope{GridIDs: u.GridIDs, ZoneID: u.ZoneID}
	case reachLiaison:
		return Scope{LiaisonID: u.LiaisonID, ZoneID: u.ZoneID}
	}
	return Scope{}
}

// Scope is what a user may read: everything, some grids, or one liaison's
// organizations. The zero Scope sees nothing. ZoneID, when set, keeps any
// of them to the user's zone (one deployment may hold several); 0 is a
// user of every zone.
type Scope struct {
	All       bool
	GridIDs   []int64
	LiaisonID int64
	ZoneID    int64
}

// reach is the kind of s.
func (s Scope) reach() reach {
	switch {
	case s.All:
		return reachZone
	case len(s.GridIDs) > 0:
		return reachGrids
	case s.LiaisonID > 0:
		return reachLiaison
	}
	return 0
}

// actsOn reports whether a caller of scope s may act on request r, which
// it sees: a liaison's reach covers only the requests assigned to them.
func (s Scope) actsOn(r Request) bool {
	return s.reach() != reachLiaison || r.LiaisonID == s.LiaisonID
}

// needsGrids and needsLiaison say what a user record of role r must name
// for its reach.
func (r Role) needsGrids() bool   { return roleTable[r].reach == reachGrids }
func (r Role) needsLiaison() bool { return roleTable[r].reach == reachLiaison }

// Permits reports whether some role of s's reach may take a. A store that
// is handed only a scope checks this, so that a scope of the wrong kind
// (a liaison's, say, for assigning liaisons) is refused there too; which
// role of that reach the caller has, the server checked with Permit.
func (s Scope) Permits(a Action) bool {
	for _, row := range roleTable {
		if row.reach != 0 && row.reach == s.reach() && oneOf(a, row.may) {
			return true
		}
	}
	return false
}

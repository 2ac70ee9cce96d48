package grid

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

// User is someone who signs in to gridgis.
type User struct {
	ID          int64
	ZoneID      int64
	Username    string
	DisplayName string
	Role        Role
	LiaisonID   int64   // for RoleLiaison
	GridIDs     []int64 // for RoleOfficer
	Disabled    bool
}

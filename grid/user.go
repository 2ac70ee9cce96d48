package grid

import "unicode/utf8"

// User is someone who signs in to gridgis.
type User struct {
	ID          int64   `json:"id"`
	ZoneID      int64   `json:"zone_id"`
	Username    string  `json:"username"`
	DisplayName string  `json:"display_name"`
	Role        Role    `json:"role"`
	LiaisonID   int64   `json:"liaison_id,omitempty"` // for RoleLiaison
	GridIDs     []int64 `json:"grid_ids"`             // for RoleOfficer
	Disabled    bool    `json:"disabled"`
}

// Validate checks a new user; gridCount is how many grids are named for
// their scope.
func (u *User) Validate(gridCount int) error {
	switch {
	case !validUsername(u.Username):
		return Invalid("username", "2 to 40 characters of a-z, 0-9, '.', '_' or '-'")
	case !oneOf(u.Role, Roles):
		return Invalid("role", "must be one of admin, officer, liaison, planner")
	case u.Role.needsGrids() && gridCount == 0:
		return Invalid("grid", "an officer needs at least one grid")
	case u.Role.needsLiaison() && u.LiaisonID <= 0:
		return Invalid("liaison", "a liaison user needs the id of their liaison record")
	case utf8.RuneCountInString(u.DisplayName) > 50:
		return Invalid("display_name", "must be at most 50 characters")
	}
	return nil
}

func validUsername(s string) bool {
	if len(s) < 2 || len(s) > 40 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-') {
			return false
		}
	}
	return true
}

// MinPasswordLength is the shortest password accepted.
const MinPasswordLength = 10

// ValidatePassword refuses passwords too short to resist guessing.
func ValidatePassword(pw string) error {
	if utf8.RuneCountInString(pw) < MinPasswordLength {
		return Invalid("password", "must be at least %d characters", MinPasswordLength)
	}
	return nil
}

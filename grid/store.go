package grid

import "context"

// FeatureFunc receives one GeoJSON Feature, encoded by the store, with its
// row id. The bytes are only valid during the call.
type FeatureFunc func(id int64, feature []byte) error

// MapStore streams the map layers as GeoJSON features, in id order, so a
// response never has to hold a whole layer in memory.
type MapStore interface {
	// Ping checks that the store answers.
	Ping(ctx context.Context) error
	// EachGridFeature streams the grids f selects with their officer,
	// instructor and organization count. Every signed-in role may read
	// every grid's outline and counts.
	EachGridFeature(ctx context.Context, f GridFilter, fn FeatureFunc) error
	// EachOrgFeature streams the organizations f selects, at most f.Limit
	// of them, ordered by id and starting after f.AfterID.
	EachOrgFeature(ctx context.Context, f OrgFilter, fn FeatureFunc) error
}

// UserStore keeps the people who sign in.
type UserStore interface {
	// CreateUser adds u with an already hashed password; gridCodes name
	// the grids of an officer's scope.
	CreateUser(ctx context.Context, u User, passwordHash string, gridCodes []string) (User, error)
}

// GridFilter selects grids. Nil fields do not filter.
type GridFilter struct {
	ID *int64
}

// Actor is who changes something, for the audit row written with it.
type Actor struct {
	UserID     int64
	ClientAddr string
}

// OrgStore changes organizations.
type OrgStore interface {
	// UpdateOrg applies patch to organization id if scope may see it
	// (else ENotFound) and it is still at patch.Version (else EConflict),
	// auditing the change; it returns the new version.
	UpdateOrg(ctx context.Context, scope Scope, who Actor, id int64, patch OrgPatch) (int, error)
}

package grid

import (
	"context"
	"time"
)

// RequestRow is a request as a ledger (台账) lists it: with the names of
// its organization, grid, liaison and alliance unit, and its SLA colour
// at the store's clock.
type RequestRow struct {
	Request
	OrgName     string
	GridName    string
	LiaisonName string
	UnitName    string
	SLA         SLAColour
}

// RequestLedgerFilter selects a request ledger's rows: the map layer's
// filter (Scope always applies) and the requests reported in [From, To);
// a zero time does not bound.
type RequestLedgerFilter struct {
	RequestFilter
	From, To time.Time
}

// ContactRow is a logged contact or visit as a ledger lists it, with its
// organization's and grid's names.
type ContactRow struct {
	ContactEntry
	OrgName  string
	GridName string
}

// ContactLedgerFilter selects the contacts and visits made in [From, To)
// within Scope: officers those of their grids' organizations, a liaison
// those of their organizations or logged for them; Kind, when set, keeps
// one kind.
type ContactLedgerFilter struct {
	Scope    Scope
	Kind     *ContactKind
	From, To time.Time
}

// Names are the names of a zone's grids and liaisons by id, to show on
// rows that carry only ids.
type Names struct {
	Grids    map[int64]string
	Liaisons map[int64]string
}

// ExportStore reads the ledgers and registers exports write, streaming
// rows in order so an export never holds them all.
type ExportStore interface {
	// EachRequestRow streams the requests f selects, in id order.
	EachRequestRow(ctx context.Context, f RequestLedgerFilter, fn func(RequestRow) error) error
	// EachContactRow streams the contacts f selects, oldest first.
	EachContactRow(ctx context.Context, f ContactLedgerFilter, fn func(ContactRow) error) error
	// EachZoneCoverageFeature is MapStore.EachCoverageFeature limited to
	// the grids of zone zoneID (0: every zone's).
	EachZoneCoverageFeature(ctx context.Context, zoneID int64, ind Indicator, fn FeatureFunc) error
	// EachOverdueOrgFeature streams, as the organization layer's
	// Features in id order, the organizations in scope that are overdue
	// for a contact or for a visit (either flag), each once.
	EachOverdueOrgFeature(ctx context.Context, scope Scope, fn FeatureFunc) error
	// Names are every grid's and liaison's name (liaisons retired
	// included); callers show only the names their scoped rows refer to.
	Names(ctx context.Context) (Names, error)
}

package grid

import (
	"context"

	"github.com/paulmach/orb"
)

// GridBoundary is one grid read from a boundary file, in WGS84: Feature
// is its 1-based position in the file, for the clerk to find it.
type GridBoundary struct {
	Feature int
	Code    string
	Name    string
	// NameDefaulted says the file has no name for it (Name is its code):
	// the import keeps the grid's stored name.
	NameDefaulted bool
	Industry      string
	Officer       string // "" keeps the grid's officer
	Instructor    string // "" keeps the grid's instructor
	Geom          orb.MultiPolygon
}

// GridProblem is one reason a boundary file is refused. Feature is 0 for
// a problem of the zone as a whole (a gap, a grid missing from the file).
type GridProblem struct {
	Feature int    `json:"feature"`
	Code    string `json:"code,omitempty"`
	Field   string `json:"field"`
	Reason  string `json:"reason"`
	// Point is where it is: a self-intersection, or a point inside an
	// overlap or a gap.
	Point *orb.Point `json:"point,omitempty"`
	// AreaM2 is an overlap's or a gap's area in square metres.
	AreaM2 float64 `json:"area_m2,omitempty"`
	// Other is the other feature of an overlap.
	Other int `json:"other,omitempty"`
}

// GridMove is an organization that the rule 行业归口、属地兜底 puts in
// another grid under the new boundaries.
type GridMove struct {
	OrgID      int64  `json:"org_id"`
	Name       string `json:"name"`
	USCC       string `json:"uscc"`
	FromGrid   string `json:"from_grid"` // code, "" when it had none
	ToGrid     string `json:"to_grid"`
	Reason     string `json:"reason"`      // the new grid's reason
	FromReason string `json:"from_reason"` // the reason it had
	// LiaisonEnded is true when its liaison's home grid is not the new
	// grid: the assignment ends (pinned ones stay).
	LiaisonEnded bool `json:"liaison_ended"`
}

// GridChange is a grid the import inserts, updates or removes, with what
// changes: for the clerk to see before 确认导入 what "更新 N 个" means.
type GridChange struct {
	Code   string `json:"code"`
	Action string `json:"action"` // insert, update or remove
	// From and To are its attributes before and after (empty: none).
	NameFrom       string `json:"name_from"`
	NameTo         string `json:"name_to"`
	IndustryFrom   string `json:"industry_from"`
	IndustryTo     string `json:"industry_to"`
	OfficerFrom    string `json:"officer_from"`
	OfficerTo      string `json:"officer_to"`
	InstructorFrom string `json:"instructor_from"`
	InstructorTo   string `json:"instructor_to"`
	// AreaFromM2 and AreaToM2 are its area in square metres (0: none).
	AreaFromM2 float64 `json:"area_from_m2"`
	AreaToM2   float64 `json:"area_to_m2"`
	// ShapeChanged says an updated grid's boundary changes.
	ShapeChanged bool `json:"shape_changed"`
}

// LiaisonLoad is a liaison whose load the import changes to outside
// their capacity (Min–Max, default 5–8).
type LiaisonLoad struct {
	LiaisonID int64  `json:"liaison_id"`
	Name      string `json:"name"`
	Grid      string `json:"grid"`
	Before    int    `json:"before"`
	After     int    `json:"after"`
	Min       int    `json:"min"`
	Max       int    `json:"max"`
}

// GridImportCounts is what a boundary import changes (or, previewed,
// would change).
type GridImportCounts struct {
	Inserted  int `json:"inserted"`
	Updated   int `json:"updated"`
	Unchanged int `json:"unchanged"`
	Removed   int `json:"removed"`
	// Moved counts the organizations that change grid; LiaisonsEnded the
	// assignments that end with it.
	Moved         int `json:"moved"`
	LiaisonsEnded int `json:"liaisons_ended"`
	// Rereasoned counts the organizations that stay in their grid for
	// another reason (rewritten and audited as the moves are).
	Rereasoned int `json:"rereasoned"`
}

// GridImportReport is the result of a boundary import job (or of the CLI):
// the problems, or the preview of what the import does.
type GridImportReport struct {
	DryRun   bool   `json:"dry_run"`
	Written  bool   `json:"written"`
	Format   string `json:"format"`
	Features int    `json:"features"`
	GridImportCounts
	// PreviewKey names what the preview saw (the file's grids and the
	// zone's): 确认导入 sends it back, so that it commits only that.
	PreviewKey string `json:"preview_key"`
	// RemovedCodes are the codes of the grids removed.
	RemovedCodes []string `json:"removed_codes"`
	// Problems lists at most ReportedMax; ProblemCount says how many.
	Problems     []GridProblem `json:"errors"`
	ProblemCount int           `json:"error_count"`
	// Changes lists at most ReportedMax grids inserted, updated or
	// removed, by code.
	Changes []GridChange `json:"changes"`
	// Moves lists at most ReportedMax organizations that change grid.
	Moves []GridMove `json:"moves"`
	// Rereasons lists at most ReportedMax organizations that stay in
	// their grid for another reason.
	Rereasons []GridMove `json:"rereasons"`
	// Loads lists the liaisons whose load leaves their capacity.
	Loads []LiaisonLoad `json:"loads"`
	// Zone is the zone's new boundary, when the import sets it from the
	// grids (GridImportOptions.ZoneFromGrids); nil otherwise.
	Zone *GridZoneChange `json:"zone,omitempty"`
}

// GridZoneChange is the zone boundary a grid import sets: the union of
// the file's grids.
type GridZoneChange struct {
	AreaFromM2 float64 `json:"area_from_m2"`
	AreaToM2   float64 `json:"area_to_m2"`
	// OrgsOutside counts the located organizations the old boundary
	// covered that the new one leaves out (they stay in the zone, placed
	// by the nearest grid); OrgsOutsideNames names a few.
	OrgsOutside      int      `json:"orgs_outside"`
	OrgsOutsideNames []string `json:"orgs_outside_names"`
}

// GridImportOptions say how a boundary import runs.
type GridImportOptions struct {
	Write      bool   // commit; else preview
	PreviewKey string // see GridImportStore
	// ZoneFromGrids makes the zone's boundary the union of the file's
	// grids in the same transaction (audited as zone_boundary), so a zone
	// can shrink or be redrawn inward: its grids need not fill the old
	// boundary. Admin only.
	ZoneFromGrids bool
}

// GridTolerance is the area, in square metres, under which an overlap or
// a gap is taken for digitizing noise, not a mistake.
const GridTolerance = 1.0

// GridSliverWidth is the width, in metres, under which an overlap or a gap
// is a sliver, taken for noise too: two outlines of one line drawn apart
// (a file written at 6 decimals, about 0.1 m, leaves slivers of tens of m²
// along a zone's kilometres of boundary).
const GridSliverWidth = 1.0

// GridImportStore replaces a zone's grid boundaries.
type GridImportStore interface {
	// ImportGrids checks grids against each other and the zone (valid
	// polygons, no overlap, no gap, no grid left out that still holds
	// liaisons, users or organizations placed by hand) and previews what
	// replacing the zone's grids with them does: grids matched by code are
	// updated, others inserted, the zone's grids missing from the file
	// removed, and the rule 行业归口、属地兜底 runs again. With problems, or
	// unless write, nothing is kept; else it commits, ending the
	// assignments of organizations that leave their liaison's grid and
	// auditing each move. While another import into the zone writes it
	// fails with EConflict. The report's PreviewKey names the grids read
	// and the zone's grids before; a write given previewKey (not "") is
	// refused, with a problem of field preview, when they are not those
	// the preview saw.
	// opt.ZoneFromGrids first sets the zone's boundary to the grids'
	// union (a preview key is then of the import with it).
	ImportGridsWith(ctx context.Context, who Actor, jobID, zoneID int64, grids []GridBoundary, opt GridImportOptions) (GridImportReport, error)
}

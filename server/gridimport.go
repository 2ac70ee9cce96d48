package server

import (
	"context"
	"errors"

	"github.com/gofiber/fiber/v2"

	"gridgis/geo"
	"gridgis/grid"
	"gridgis/grid/ingest"
)

const importGridsPath = "/api/v1/import/grids"

// gridImportRoutes registers the grid boundary import.
func (s *Server) gridImportRoutes(api fiber.Router) {
	api.Post("/import/grids", allow(grid.ImportData), s.importGrids)
}

// importGrids starts a grid boundary import (or its preview, dry_run=true)
// as a job and answers 202 with it; GET /api/v1/jobs/{id} follows it.
func (s *Server) importGrids(c *fiber.Ctx) error {
	if err := allowParams(c, "crs", "dry_run", "zone", "format", "preview", "zone_boundary"); err != nil {
		return err
	}
	slot := s.takeJobSlot()
	if slot == nil {
		return noJobSlot(c)
	}
	defer slot.release()
	in, err := s.readGridImport(c)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(c.UserContext(), s.cfg.CallTimeout)
	defer cancel()
	u := userOf(c)
	in.Zone, err = s.store.FindZone(ctx, importZoneRef(c, u))
	if err := checkImportZone(u, in.Zone, err); err != nil {
		return err
	}
	in.Who = s.actorOf(c)
	return s.runImport(c, ctx, slot, in.Zone.ID, grid.JobImportGrids, func(ctx context.Context, r *jobRun) (any, error) {
		in.JobID = r.job.ID
		return ImportGrids(ctx, s.store, in, func(p ImportProgress) {
			r.set(int64(p.Done), int64(p.Total), int64(p.Problems))
		})
	})
}

// readGridImport reads the file (raw body or multipart field file) and the
// options of a boundary import.
func (s *Server) readGridImport(c *fiber.Ctx) (GridImport, error) {
	var in GridImport
	var err error
	if in.Read.CRS, err = geo.ParseCRS(c.Query("crs", string(geo.WGS84))); err != nil {
		return in, grid.Invalid("crs", "%v", err)
	}
	if in.DryRun, err = dryRunParam(c); err != nil {
		return in, err
	}
	if in.Read.Format, err = ingest.ParseBoundaryFormat(c.Query("format")); err != nil {
		return in, err
	}
	in.PreviewKey = c.Query("preview")
	switch c.Query("zone_boundary") {
	case "":
	case "from_grids":
		in.ZoneFromGrids = true
	default:
		return in, grid.Invalid("zone_boundary", "只能是 from_grids（区界改为网格的并集）/ must be from_grids")
	}
	in.Read.Limits.Bytes = s.cfg.ImportMaxBytes
	up, err := readUpload(c, s.cfg.ImportMaxBytes)
	if err != nil {
		return in, err
	}
	in.Read.Filename = up.filename
	if in.Read.Format == "" {
		in.Read.Format = boundaryFormatOf(up.mediaType)
	}
	in.File = up.data
	return in, nil
}

// boundaryFormatOf is the format a media type says; "" leaves it to the
// file name and content.
func boundaryFormatOf(mediaType string) ingest.BoundaryFormat {
	switch mediaType {
	case "application/geo+json":
		return ingest.BoundaryGeoJSON
	case "application/vnd.google-earth.kml+xml":
		return ingest.BoundaryKML
	case "application/vnd.google-earth.kmz", "application/zip", "application/x-zip-compressed":
		return ingest.BoundaryZip
	case "application/geopackage+sqlite3":
		return ingest.BoundaryGPKG
	}
	return ""
}

// GridImport is one grid boundary import: the file, how to read it, and
// where it goes.
type GridImport struct {
	File   []byte
	Read   ingest.BoundaryOptions
	DryRun bool
	Zone   grid.Zone
	Who    grid.Actor
	JobID  int64 // for the audit; 0 from the command line
	// PreviewKey, from a preview's report, makes a real run commit only
	// what that preview showed ("" commits whatever the file holds).
	PreviewKey string
	// ZoneFromGrids sets the zone's boundary to the union of the file's
	// grids in the same change (grid.GridImportOptions).
	ZoneFromGrids bool
}

// ImportGrids reads and checks a boundary file, then has the store check
// the grids together and preview (dry run) or make the change, all or
// nothing. A problem with the file as a whole (a cap, an unreadable file)
// is a report with that one problem, feature 0 and field file; the error
// is for the store and the context. Progress counts features: read, then
// checked and written.
func ImportGrids(ctx context.Context, store grid.GridImportStore, in GridImport, progress func(ImportProgress)) (*grid.GridImportReport, error) {
	if progress == nil {
		progress = func(ImportProgress) {}
	}
	rep := &grid.GridImportReport{DryRun: in.DryRun, RemovedCodes: []string{}, Problems: []grid.GridProblem{}, Changes: []grid.GridChange{},
		Moves: []grid.GridMove{}, Rereasons: []grid.GridMove{}, Loads: []grid.LiaisonLoad{}}
	res, err := ingest.ReadBoundaries(ctx, in.File, in.Read)
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	if err != nil {
		var capErr *ingest.CapError
		var ge *grid.Error
		switch {
		case errors.As(err, &capErr):
			rep.Problems = append(rep.Problems, grid.GridProblem{Feature: capErr.Row, Field: "file", Reason: capErr.Error()})
		case errors.As(err, &ge) && ge.Code == grid.EInvalid:
			rep.Problems = append(rep.Problems, grid.GridProblem{Field: ge.Field, Reason: ge.Message})
		default:
			return nil, err
		}
		rep.ProblemCount = len(rep.Problems)
		progress(ImportProgress{Phase: "check", Problems: rep.ProblemCount})
		return rep, nil
	}
	n := res.Features
	rep.Format, rep.Features = string(res.Format), n
	progress(ImportProgress{Phase: "check", Done: n, Total: 2 * n, Problems: len(res.Problems)})
	if len(res.Problems) > 0 {
		rep.ProblemCount = len(res.Problems)
		rep.Problems = res.Problems[:min(len(res.Problems), grid.ReportedMax)]
		return rep, nil
	}
	out, err := store.ImportGridsWith(ctx, in.Who, in.JobID, in.Zone.ID, res.Grids,
		grid.GridImportOptions{Write: !in.DryRun, PreviewKey: in.PreviewKey, ZoneFromGrids: in.ZoneFromGrids})
	if err != nil {
		return nil, err
	}
	out.DryRun, out.Format, out.Features = in.DryRun, rep.Format, n
	progress(ImportProgress{Phase: "write", Done: 2 * n, Total: 2 * n, Problems: out.ProblemCount})
	return &out, nil
}

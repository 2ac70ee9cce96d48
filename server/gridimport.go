package server

import (
	"bytes"
	"context"
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"

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
	if err := allowParams(c, "crs", "dry_run", "zone", "format"); err != nil {
		return err
	}
	in, err := s.readGridImport(c)
	if err != nil {
		return err
	}
	u := userOf(c)
	ctx, cancel := context.WithTimeout(c.UserContext(), s.cfg.CallTimeout)
	defer cancel()
	ref := c.Query("zone")
	if u.ZoneID != 0 {
		if ref != "" && ref != strconv.FormatInt(u.ZoneID, 10) {
			return grid.Invalid("zone", "只能导入到本人所属园区 / you may import into your own zone only")
		}
		ref = strconv.FormatInt(u.ZoneID, 10)
	}
	if in.Zone, err = s.store.FindZone(ctx, ref); err != nil {
		if grid.ErrorCode(err) == grid.ENotFound {
			return grid.Invalid("zone", "没有这个园区 / no such zone")
		}
		return err
	}
	in.Who = s.actorOf(c)
	zoneID := in.Zone.ID
	// One import writes into a zone at a time (the register's too).
	if !in.DryRun && !s.importing.claim(zoneID) {
		return grid.Errorf(grid.EConflict, "该园区正在导入，请稍后再试 / an import into this zone is running")
	}
	j, err := s.startJob(ctx, u, zoneID, grid.JobImportGrids, s.cfg.ImportTimeout,
		func(ctx context.Context, r *jobRun) (any, error) {
			if !in.DryRun {
				defer s.importing.release(zoneID)
			}
			in.JobID = r.job.ID
			return ImportGrids(ctx, s.store, in, func(p ImportProgress) {
				r.set(int64(p.Done), int64(p.Total), int64(p.Problems))
			})
		})
	if err != nil {
		if !in.DryRun {
			s.importing.release(zoneID)
		}
		return err
	}
	c.Location("/api/v1/jobs/" + strconv.FormatInt(j.ID, 10))
	c.Status(http.StatusAccepted)
	return c.JSON(j)
}

// readGridImport reads the file (raw body or multipart field file) and the
// options of a boundary import. The file is copied: the job outlives the
// request.
func (s *Server) readGridImport(c *fiber.Ctx) (GridImport, error) {
	var in GridImport
	var err error
	if in.Read.CRS, err = geo.ParseCRS(c.Query("crs", string(geo.WGS84))); err != nil {
		return in, grid.Invalid("crs", "%v", err)
	}
	switch v := c.Query("dry_run"); v {
	case "", "false", "0":
	case "true", "1":
		in.DryRun = true
	default:
		return in, grid.Invalid("dry_run", "须为 true 或 false / must be true or false")
	}
	if in.Read.Format, err = ingest.ParseBoundaryFormat(c.Query("format")); err != nil {
		return in, err
	}
	limit := s.cfg.ImportMaxBytes
	in.Read.Limits.Bytes = limit
	mediaType, _, _ := mime.ParseMediaType(c.Get(fiber.HeaderContentType))
	var data []byte
	if mediaType == fiber.MIMEMultipartForm {
		form, err := c.MultipartForm()
		if err != nil {
			return in, grid.Invalid("file", "无法读取上传的表单 / unreadable multipart form: %v", err)
		}
		files := form.File["file"]
		if len(files) != 1 {
			return in, grid.Invalid("file", "请在表单字段 file 中上传一个文件 / send one file in the multipart field file")
		}
		fh := files[0]
		if fh.Size > limit {
			return in, importTooLarge(limit)
		}
		f, err := fh.Open()
		if err != nil {
			return in, err
		}
		defer f.Close()
		if data, err = io.ReadAll(io.LimitReader(f, limit+1)); err != nil {
			return in, err
		}
		in.Read.Filename = fh.Filename
		if in.Read.Format == "" {
			in.Read.Format = boundaryFormatOf(fh.Header.Get(fiber.HeaderContentType))
		}
	} else {
		data = bytes.Clone(c.Request().Body())
		if in.Read.Format == "" {
			in.Read.Format = boundaryFormatOf(mediaType)
		}
	}
	if int64(len(data)) > limit {
		return in, importTooLarge(limit)
	}
	if len(data) == 0 {
		return in, grid.Invalid("file", "文件为空 / the file is empty")
	}
	in.File = data
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
	rep := &grid.GridImportReport{DryRun: in.DryRun, Problems: []grid.GridProblem{}, Moves: []grid.GridMove{}, Loads: []grid.LiaisonLoad{}}
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
	out, err := store.ImportGrids(ctx, in.Who, in.JobID, in.Zone.ID, res.Grids, !in.DryRun)
	if err != nil {
		return nil, err
	}
	out.DryRun, out.Format, out.Features = in.DryRun, rep.Format, n
	progress(ImportProgress{Phase: "write", Done: 2 * n, Total: 2 * n, Problems: out.ProblemCount})
	return &out, nil
}

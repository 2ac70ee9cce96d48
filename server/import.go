package server

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"

	"gridgis/geo"
	"gridgis/grid"
	"gridgis/grid/ingest"
)

// Import defaults (Config.ImportMaxBytes, Config.ImportTimeout).
const (
	defaultImportMaxBytes = 100 << 20
	// otherBodyCap is the app's body limit: every route's but the import.
	otherBodyCap = 8 << 20
	// multipartSlack is what a multipart body may carry beside its file.
	multipartSlack = 64 << 10
)

const importOrgsPath = "/api/v1/import/organizations"

// importRoutes registers the data imports.
func (s *Server) importRoutes(api fiber.Router) {
	api.Post("/import/organizations", allow(grid.ImportData), s.importOrgs)
}

// importReadTimeout is how long an import's upload may take: 100 MiB
// over a slow office line, where other requests get 15 s.
const importReadTimeout = 10 * time.Minute

// importBodyLimit is the largest body the import route reads.
func importBodyLimit(importMax int64) int {
	return int(max(otherBodyCap, importMax+multipartSlack))
}

// bodyConfig gives the import route, alone, its larger body cap and read
// timeout, from the request's header, and only to a caller whose
// credentials there name a user who may import: fasthttp reads the body
// before any handler runs, so a stranger must not make the process hold
// 100 MiB. Every other request keeps the app's 8 MiB, refused before the
// body is read.
func (s *Server) bodyConfig(h *fasthttp.RequestHeader) fasthttp.RequestConfig {
	if !h.IsPost() {
		return fasthttp.RequestConfig{}
	}
	path, _, _ := strings.Cut(string(h.RequestURI()), "?")
	// Routes match without case and a trailing slash.
	if path = strings.TrimSuffix(path, "/"); !isImportPath(path) || !s.mayImport(h) {
		return fasthttp.RequestConfig{}
	}
	return fasthttp.RequestConfig{MaxRequestBodySize: importBodyLimit(s.cfg.ImportMaxBytes), ReadTimeout: importReadTimeout}
}

// isImportPath reports whether path is one of the imports'.
func isImportPath(path string) bool {
	return strings.EqualFold(path, importOrgsPath) || strings.EqualFold(path, importGridsPath)
}

// mayImport reports whether h's API token or session cookie names a user
// who may import data (the route checks them again, as for any request).
func (s *Server) mayImport(h *fasthttp.RequestHeader) bool {
	ctx, cancel := context.WithTimeout(context.Background(), s.cfg.LookupTimeout)
	defer cancel()
	var u grid.User
	var err error
	if auth := string(h.Peek(fiber.HeaderAuthorization)); auth != "" {
		token, ok := strings.CutPrefix(auth, "Bearer ")
		if !ok || !grid.LooksLikeToken(token) {
			return false
		}
		u, err = s.tokenUser(ctx, grid.HashSecret(token))
	} else if id := h.Cookie(sessionCookie); len(id) > 0 {
		u, err = s.sessionUser(ctx, grid.HashSecret(string(id)))
	} else {
		return false
	}
	return err == nil && u.Role.May(grid.ImportData)
}

// importOrgs starts an organization register import (or a dry run) as a
// job and answers 202 with it; GET /api/v1/jobs/{id} follows it.
func (s *Server) importOrgs(c *fiber.Ctx) error {
	if err := allowParams(c, "crs", "dry_run", "encoding", "sheet", "mapping", "zone", "format"); err != nil {
		return err
	}
	slot := s.takeJobSlot()
	if slot == nil {
		return noJobSlot(c)
	}
	defer slot.release()
	in, err := s.readOrgImport(c)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(c.UserContext(), s.cfg.CallTimeout)
	defer cancel()
	u := userOf(c)
	in.Target, err = s.store.ImportTarget(ctx, importZoneRef(c, u))
	if err := checkImportZone(u, in.Target.Zone, err); err != nil {
		return err
	}
	in.Who = s.actorOf(c)
	return s.runImport(c, ctx, slot, in.Target.Zone.ID, grid.JobImportOrgs, func(ctx context.Context, r *jobRun) (any, error) {
		in.JobID = r.job.ID
		return ImportOrgs(ctx, s.store, in, func(p ImportProgress) {
			r.set(int64(p.Done), int64(p.Total), int64(p.Problems))
		})
	})
}

// importZoneRef is the zone an import names (zone=, an id or a code): a
// zone's admin's own when none.
func importZoneRef(c *fiber.Ctx, u grid.User) string {
	ref := c.Query("zone")
	if ref == "" && u.ZoneID != 0 {
		ref = strconv.FormatInt(u.ZoneID, 10)
	}
	return ref
}

// checkImportZone turns the lookup of an import's zone into its answer: a
// zone that does not exist, or another than a zone admin's own, is a
// problem on zone.
func checkImportZone(u grid.User, z grid.Zone, err error) error {
	switch {
	case grid.ErrorCode(err) == grid.ENotFound:
		return grid.Invalid("zone", "没有这个园区 / no such zone")
	case err != nil:
		return err
	case u.ZoneID != 0 && z.ID != u.ZoneID:
		return grid.Invalid("zone", "只能导入到本人所属园区 / you may import into your own zone only")
	}
	return nil
}

// runImport runs work as an import job of kind into zone zoneID and
// answers 202 with the job. The job takes over the route's slot, and
// holds the zone: one import (or dry run, whose writes are rolled back)
// writes into a zone at a time, and a clerk is told now, not by a failed
// job (the store refuses another process's too).
func (s *Server) runImport(c *fiber.Ctx, ctx context.Context, slot *jobSlot, zoneID int64, kind grid.JobKind,
	work func(ctx context.Context, r *jobRun) (any, error)) error {
	if !s.importing.claim(zoneID) {
		return grid.Errorf(grid.EConflict, "该园区正在导入，请稍后再试 / an import into this zone is running")
	}
	j, err := s.startJob(ctx, userOf(c), zoneID, kind, s.cfg.ImportTimeout,
		func(ctx context.Context, r *jobRun) (any, error) {
			defer func() { <-s.jobSlots }()
			defer s.importing.release(zoneID)
			return work(ctx, r)
		})
	if err != nil {
		s.importing.release(zoneID)
		return err
	}
	slot.job = true
	c.Location("/api/v1/jobs/" + strconv.FormatInt(j.ID, 10))
	c.Status(http.StatusAccepted)
	return c.JSON(j)
}

// upload is an import's file as the request sent it.
type upload struct {
	data      []byte
	filename  string              // the multipart part's; "" for a raw body
	mediaType string              // the part's, or the body's
	values    map[string][]string // the multipart form's other fields
}

// readUpload reads an import's file, the raw body or the multipart field
// file, of at most limit bytes. It is copied once, at its size: the job
// outlives the request and its form.
func readUpload(c *fiber.Ctx, limit int64) (upload, error) {
	var up upload
	up.mediaType, _, _ = mime.ParseMediaType(c.Get(fiber.HeaderContentType))
	if up.mediaType == fiber.MIMEMultipartForm {
		form, err := c.MultipartForm()
		if err != nil {
			return up, grid.Invalid("file", "无法读取上传的表单 / unreadable multipart form: %v", err)
		}
		files := form.File["file"]
		if len(files) != 1 {
			return up, grid.Invalid("file", "请在表单字段 file 中上传一个文件 / send one file in the multipart field file")
		}
		fh := files[0]
		if fh.Size > limit {
			return up, importTooLarge(limit)
		}
		f, err := fh.Open()
		if err != nil {
			return up, err
		}
		defer f.Close()
		up.data = make([]byte, fh.Size)
		if _, err = io.ReadFull(f, up.data); err != nil {
			return up, grid.Invalid("file", "无法读取上传的文件 / unreadable upload: %v", err)
		}
		up.filename, up.mediaType, up.values = fh.Filename, fh.Header.Get(fiber.HeaderContentType), form.Value
	} else {
		body := c.Request().Body()
		if int64(len(body)) > limit {
			return up, importTooLarge(limit)
		}
		up.data = bytes.Clone(body)
	}
	if len(up.data) == 0 {
		return up, grid.Invalid("file", "文件为空 / the file is empty")
	}
	return up, nil
}

// dryRunParam reads dry_run.
func dryRunParam(c *fiber.Ctx) (bool, error) {
	switch v := c.Query("dry_run"); v {
	case "", "false", "0":
		return false, nil
	case "true", "1":
		return true, nil
	}
	return false, grid.Invalid("dry_run", "须为 true 或 false / must be true or false")
}

// readOrgImport reads the file (raw body or multipart field file) and the
// options of a register import.
func (s *Server) readOrgImport(c *fiber.Ctx) (OrgImport, error) {
	var in OrgImport
	var err error
	if in.CRS, err = geo.ParseCRS(c.Query("crs", string(geo.WGS84))); err != nil {
		return in, grid.Invalid("crs", "%v", err)
	}
	if in.DryRun, err = dryRunParam(c); err != nil {
		return in, err
	}
	if in.Read.Encoding, err = ingest.ParseEncoding(c.Query("encoding")); err != nil {
		return in, err
	}
	in.Read.Sheet = c.Query("sheet")
	if in.Read.Format, err = ingest.ParseFormat(c.Query("format")); err != nil {
		return in, err
	}
	in.Read.Limits.Bytes = s.cfg.ImportMaxBytes
	up, err := readUpload(c, s.cfg.ImportMaxBytes)
	if err != nil {
		return in, err
	}
	if in.Read.Format == "" {
		in.Read.Format = formatOf(up.mediaType, up.filename)
	}
	mapping := c.Query("mapping")
	if v := up.values["mapping"]; len(v) > 0 && mapping == "" {
		mapping = v[0]
	}
	if mapping != "" {
		if err := in.Mapping.UnmarshalJSON([]byte(mapping)); err != nil {
			return in, err
		}
	}
	in.File = up.data
	return in, nil
}

// bodyCapMessage names the cap a body over its route's limit broke.
func (s *Server) bodyCapMessage(c *fiber.Ctx) string {
	if isImportPath(strings.TrimSuffix(c.Path(), "/")) && s.mayImport(&c.Request().Header) {
		return (&ingest.CapError{Cap: ingest.CapBytes, Limit: s.cfg.ImportMaxBytes}).Error()
	}
	return fmt.Sprintf("请求体超过 %d MiB 的上限 / the request body is over the %d MiB cap", otherBodyCap>>20, otherBodyCap>>20)
}

// importTooLarge is the 413 problem naming the byte cap.
func importTooLarge(limit int64) error {
	return &fiber.Error{Code: fiber.StatusRequestEntityTooLarge,
		Message: (&ingest.CapError{Cap: ingest.CapBytes, Limit: limit}).Error()}
}

// formatOf is the file format a media type or file name says; "" leaves
// it to the content.
func formatOf(mediaType, filename string) ingest.Format {
	switch mediaType {
	case "text/csv", "application/csv":
		return ingest.CSV
	case "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet":
		return ingest.XLSX
	case "application/geo+json", fiber.MIMEApplicationJSON:
		return ingest.GeoJSON
	}
	switch strings.ToLower(filepath.Ext(filename)) {
	case ".csv", ".txt":
		return ingest.CSV
	case ".xlsx":
		return ingest.XLSX
	case ".geojson", ".json":
		return ingest.GeoJSON
	}
	return ""
}

// OrgImport is one organization register import: the file, how to read
// it, and where it goes.
type OrgImport struct {
	File    []byte
	Read    ingest.ReadOptions
	CRS     geo.CRS
	Mapping ingest.Mapping // nil: guessed from the header
	DryRun  bool
	Target  grid.ImportTarget
	Who     grid.Actor
	JobID   int64 // for the audit; 0 from the command line
}

// ImportProgress is how far an import is. Each row is checked and then
// written (a dry run's writes are rolled back), so Total is twice the
// rows; it is 0 while the number of rows is not known.
type ImportProgress struct {
	Phase    string // "check" or "write"
	Done     int
	Total    int
	Problems int
}

// ImportOrgs reads, checks and writes an organization register, all or
// nothing, and reports what came of it. A dry run, or a file with a
// problem row, writes the valid rows and rolls them back, so that its
// report still counts what would be inserted, updated and left unlocated.
// A problem with the file as a whole (a cap, an unreadable file, a bad
// mapping) is a report with that one error, row 0 or the row where a cap
// was hit; the error is for the store and the context.
func ImportOrgs(ctx context.Context, store grid.ImportStore, in OrgImport, progress func(ImportProgress)) (*grid.ImportReport, error) {
	if progress == nil {
		progress = func(ImportProgress) {}
	}
	estimate := estimateRows(in.File, in.Read.Format)
	if in.Read.Limits.Problems == 0 {
		in.Read.Limits.Problems = grid.ReportedMax // the report lists as many
	}
	res, err := ingest.ReadOrgs(ctxReader{ctx, bytes.NewReader(in.File)}, ingest.Options{
		Read: in.Read, CRS: in.CRS, ZoneID: in.Target.Zone.ID, Mapping: in.Mapping,
		// Any industry is accepted: one without a grid is placed by
		// territory (属地兜底), which is the rule's point.
		Outside: ingest.OutsideBoundary(in.Target.Zone.Boundary),
		// No row of a register is shorter than a credit code, a name and
		// their separators.
		ExpectRows: min(estimate, len(in.File)/minRegisterRow),
		Progress: func(rows int) {
			total := 0 // unknown until read (XLSX, GeoJSON): a growing total would show the bar full
			if estimate > 0 {
				total = 2 * max(estimate, rows)
			}
			progress(ImportProgress{Phase: "check", Done: rows, Total: total})
		},
	})
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	rep := &grid.ImportReport{DryRun: in.DryRun, Unlocated: []grid.UnlocatedOrg{}, Errors: []grid.ImportProblem{},
		Warnings: []grid.ImportProblem{}}
	if res != nil {
		rep.Header, rep.HeaderRow, rep.Mapping = res.Header, res.HeaderRow, mappingOf(res.Mapping)
	}
	if err != nil {
		var capErr *ingest.CapError
		var ge *grid.Error
		switch {
		case errors.As(err, &capErr):
			rep.Errors = append(rep.Errors, grid.ImportProblem{Row: capErr.Row, Field: "file", Reason: capErr.Error()})
		case errors.As(err, &ge) && ge.Code == grid.EInvalid:
			rep.Errors = append(rep.Errors, grid.ImportProblem{Field: ge.Field, Reason: ge.Message})
		default:
			return nil, err
		}
		rep.ErrorCount = len(rep.Errors)
		progress(ImportProgress{Phase: "check", Problems: len(rep.Errors)})
		return rep, nil
	}
	rep.Total, rep.Valid, rep.Invalid = res.Total, res.Valid, res.Invalid
	rep.WarningCount = res.WarningCount
	for _, p := range res.Warnings {
		rep.Warnings = append(rep.Warnings, grid.ImportProblem{Row: p.Row, Field: p.Field, Reason: p.Reason, Point: p.Point})
	}
	for _, p := range res.Problems {
		rep.Errors = append(rep.Errors, grid.ImportProblem{Row: p.Row, Field: p.Field, Reason: p.Reason, Point: p.Point})
	}
	rep.ErrorCount = len(res.Problems)
	if res.Truncated { // the reader counted more than it listed
		rep.ErrorCount = 0
		for _, n := range res.ProblemCounts {
			rep.ErrorCount += n
		}
	}
	rows := res.Total
	progress(ImportProgress{Phase: "check", Done: rows, Total: 2 * rows, Problems: rep.ErrorCount})
	if len(res.Rows) > 0 {
		w := grid.ImportWrite{JobID: in.JobID, ZoneID: in.Target.Zone.ID, DryRun: in.DryRun || rep.ErrorCount > 0}
		out, err := store.ImportOrgs(ctx, in.Who, w, slices.Values(res.Rows), func(done int) {
			progress(ImportProgress{Phase: "write", Done: rows + done*rows/(2*len(res.Rows)), Total: 2 * rows,
				Problems: rep.ErrorCount})
		})
		if err != nil {
			return nil, err
		}
		rep.ImportCounts, rep.Written = out.ImportCounts, out.Written
		rep.Unlocated, rep.UnlocatedCount = out.Unlocated, out.UnlocatedCount
		rep.Errors = append(rep.Errors, out.Refused...)
		rep.ErrorCount += out.RefusedCount
		rep.Valid -= out.RefusedCount
		rep.Invalid += out.RefusedCount
	}
	slices.SortStableFunc(rep.Errors, func(a, b grid.ImportProblem) int { return a.Row - b.Row })
	rep.Errors = slices.Clip(rep.Errors[:min(len(rep.Errors), grid.ReportedMax)])
	progress(ImportProgress{Phase: "write", Done: 2 * rows, Total: 2 * rows, Problems: rep.ErrorCount})
	return rep, nil
}

func mappingOf(m ingest.Mapping) map[int]string {
	out := make(map[int]string, len(m))
	for i, f := range m {
		out[i] = string(f)
	}
	return out
}

// minRegisterRow is the fewest bytes a data row of a CSV register takes.
const minRegisterRow = 21

// estimateRows guesses a CSV's data rows from its line count, for the
// progress bar until the real count is known; 0 for other formats.
func estimateRows(data []byte, f ingest.Format) int {
	if f != ingest.CSV && !(f == "" && !bytes.HasPrefix(data, []byte("PK")) &&
		!bytes.HasPrefix(bytes.TrimLeft(data, "\xef\xbb\xbf \t\r\n"), []byte("{"))) {
		return 0
	}
	n := bytes.Count(data, []byte{'\n'})
	if len(data) > 0 && data[len(data)-1] != '\n' {
		n++
	}
	return max(n-1, 0) // the header
}

// ctxReader stops a read when ctx ends, so a job that runs out of time
// stops reading its file.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (r ctxReader) Read(p []byte) (int, error) {
	if err := r.ctx.Err(); err != nil {
		return 0, err
	}
	return r.r.Read(p)
}

// zoneSet is the zones with an import writing in this process.
type zoneSet struct {
	mu    sync.Mutex
	zones map[int64]bool
}

// claim adds zone id, or reports false when it is there already.
func (z *zoneSet) claim(id int64) bool {
	z.mu.Lock()
	defer z.mu.Unlock()
	if z.zones[id] {
		return false
	}
	if z.zones == nil {
		z.zones = map[int64]bool{}
	}
	z.zones[id] = true
	return true
}

func (z *zoneSet) release(id int64) {
	z.mu.Lock()
	defer z.mu.Unlock()
	delete(z.zones, id)
}

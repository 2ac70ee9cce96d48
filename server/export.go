package server

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"iter"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"gridgis/grid"
	"gridgis/grid/report"
)

// Media types of the downloads.
const (
	csvType  = "text/csv; charset=utf-8"
	xlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	kmlType  = "application/vnd.google-earth.kml+xml"
)

// orgExportParams are the organization filters an export takes: the
// listing's, without paging and bbox (an export is of a register, not of
// the map view).
var orgExportParams = []string{"grid", "industry", "kind", "party_org", "q", "gap"}

// exportRoutes registers the downloads: the organization register in four
// formats, the request, contact and visit ledgers and the monthly report.
// Every role that reads may export what it reads (its scope); exports are
// heavy and audited.
func (s *Server) exportRoutes(api fiber.Router) {
	heavy := s.limitHeavy(nil)
	for _, format := range []string{"csv", "xlsx", "geojson", "kml"} {
		api.Get("/export/organizations."+format, allow(grid.ReadZone), heavy, s.exportOrgs(format))
	}
	api.Get("/export/requests.xlsx", allow(grid.ReadZone), heavy, s.exportRequests)
	api.Get("/export/contacts.xlsx", allow(grid.ReadZone), heavy, s.exportContacts(nil))
	visit := grid.ContactVisit
	api.Get("/export/visits.xlsx", allow(grid.ReadZone), heavy, s.exportContacts(&visit))
	api.Get("/export/monthly.xlsx", allow(grid.ReadZone), heavy, s.exportMonthly)
}

// download is one export: what it is (for the audit), its file names and
// media type.
type download struct {
	what    string // organizations, requests, contacts, visits, monthly
	format  string // the file extension
	name    string // the file name users see, without extension
	ascii   string // the fallback for clients without RFC 5987
	mime    string
	filters map[string]string
}

// sendDownload runs write into a spill file, its queries under the query
// timeout, so that the database connection is back in the pool before the
// first byte goes out (see streamCollection), then audits the export and
// sends the file as an attachment. A writer slower than the database
// (XLSX) reads its rows from a spill of the query (spillFeatures), not
// from inside the query.
func (s *Server) sendDownload(c *fiber.Ctx, d download, write func(ctx context.Context, w io.Writer) (rows int, err error)) error {
	ctx, cancel := s.queryCtx(c)
	defer cancel()
	out := &spillWriter{}
	defer out.Close() // unless the response took the file
	bw := bufio.NewWriterSize(out, streamBuffer)
	rows, err := write(ctx, bw)
	if err == nil {
		err = bw.Flush()
	}
	if err != nil {
		return err
	}
	s.audit(c, grid.AuditEntry{Action: "export", Target: "export:" + d.what,
		Detail: map[string]any{"format": d.format, "filters": d.filters, "rows": rows}})
	c.Set(fiber.HeaderContentType, d.mime)
	c.Set(fiber.HeaderContentDisposition, attachment(d.name+"."+d.format, d.ascii+"."+d.format))
	c.Set(fiber.HeaderCacheControl, "private, no-store")
	return out.send(c)
}

// attachment is a Content-Disposition naming the file name (UTF-8, RFC
// 5987 / 6266) with an ASCII fallback for older clients.
func attachment(name, fallback string) string {
	return `attachment; filename="` + fallback + `"; filename*=UTF-8''` + rfc5987(name)
}

// rfc5987 percent-encodes every byte of s but RFC 5987's attr-chars.
func rfc5987(s string) string {
	const attrChars = "!#$&+-.^_`|~"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		ch := s[i]
		if 'a' <= ch && ch <= 'z' || 'A' <= ch && ch <= 'Z' || '0' <= ch && ch <= '9' || strings.IndexByte(attrChars, ch) >= 0 {
			b.WriteByte(ch)
		} else {
			fmt.Fprintf(&b, "%%%02X", ch)
		}
	}
	return b.String()
}

// rowsOf turns a store's callback stream into the sequence a report
// writer ranges over, counting the rows into n. The writer's loop runs
// inside the store's callback, so nothing is held between rows.
func rowsOf[T any](n *int, each func(fn func(T) error) error) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		err := each(func(v T) error {
			*n++
			if !yield(v, nil) {
				return errStreamStopped
			}
			return nil
		})
		if err != nil && !errors.Is(err, errStreamStopped) {
			var zero T
			yield(zero, err)
		}
	}
}

// exportFilters are the query parameters as given, for the audit row.
func exportFilters(c *fiber.Ctx) map[string]string {
	f := map[string]string{}
	c.Context().QueryArgs().VisitAll(func(k, v []byte) { f[string(k)] = string(v) })
	return f
}

// zoneName names the caller's zone for titles and file names; empty when
// it cannot be told.
func (s *Server) zoneName(ctx context.Context, u grid.User) string {
	ref := ""
	if u.ZoneID > 0 {
		ref = strconv.FormatInt(u.ZoneID, 10)
	}
	z, err := s.store.FindZone(ctx, ref)
	if err != nil {
		return ""
	}
	return z.Name
}

// gridName names a grid for a file name and title; empty for a grid the
// caller's zone does not have (the export is then empty anyway, and
// another zone's grid names are not the caller's to read).
func (s *Server) gridName(c *fiber.Ctx, id int64) (string, error) {
	ctx, cancel := s.callCtx(c)
	defer cancel()
	ours := false
	err := s.store.EachGridFeature(ctx, grid.GridFilter{ID: &id, ZoneID: userOf(c).ZoneID}, func(grid.Feature) error {
		ours = true
		return nil
	})
	if err != nil || !ours {
		return "", err
	}
	names, err := s.store.Names(ctx)
	if err != nil {
		return "", err
	}
	return names.Grids[id], nil
}

// today is the date of the export in China Standard Time.
func (s *Server) today() string { return s.now().In(grid.StatsLocation).Format(time.DateOnly) }

// exportOrgs answers the organization register (active organizations in
// the caller's scope) as CSV, XLSX, GeoJSON or KML.
func (s *Server) exportOrgs(format string) fiber.Handler {
	mime := map[string]string{"csv": csvType, "xlsx": xlsxType, "geojson": geoJSON, "kml": kmlType}[format]
	return func(c *fiber.Ctx) error {
		f, err := parseOrgExportFilter(c)
		if err != nil {
			return err
		}
		u := userOf(c)
		f.Scope = u.Scope()
		what, name, ascii := "企业名录", "企业名录_", "organizations-"
		if f.Gap != nil {
			// A coverage gap's organizations (the planner's 缺口名单).
			what = report.IndicatorLabel(*f.Gap) + "缺口组织"
			name, ascii = "缺口组织_"+report.IndicatorLabel(*f.Gap)+"_", "gaps-"+string(*f.Gap)+"-"
			if f.GridID != nil {
				// One grid's gap: its name tells the files of several grids apart.
				gridName, err := s.gridName(c, *f.GridID)
				if err != nil {
					return err
				}
				what = strings.TrimSpace(gridName + " " + what)
				name += strings.ReplaceAll(gridName, "_", "-") + "_"
				ascii += "grid" + strconv.FormatInt(*f.GridID, 10) + "-"
			}
		}
		d := download{what: "organizations", format: format, mime: mime, filters: exportFilters(c),
			name: name + s.today(), ascii: ascii + s.today()}
		return s.sendDownload(c, d, func(ctx context.Context, w io.Writer) (int, error) {
			names, err := s.store.Names(ctx)
			if err != nil {
				return 0, err
			}
			title := strings.TrimSpace(s.zoneName(ctx, u) + " " + what + "（" + s.today() + "）")
			spill := &spillWriter{}
			defer spill.Close()
			if err := spillFeatures(spill, func(fn grid.FeatureFunc) error { return s.store.EachOrgFeature(ctx, f, fn) }); err != nil {
				return 0, err
			}
			// The query is over: writing (XLSX takes about a minute for a
			// million rows) no longer runs against the query timeout.
			n := 0
			orgs := rowsOf(&n, func(fn func(report.Org) error) error {
				return eachSpilled(spill, func(feat grid.Feature) error {
					o, err := report.OrgFromFeature(feat, report.Names(names))
					if err != nil {
						return err
					}
					return fn(o)
				})
			})
			switch format {
			case "csv":
				err = report.WriteOrgsCSV(w, orgs)
			case "xlsx":
				err = report.WriteOrgsXLSX(w, title, orgs)
			case "geojson":
				err = report.WriteOrgsGeoJSON(w, orgs)
			default:
				err = report.WriteOrgsKML(w, title, orgs)
			}
			return n, err
		})
	}
}

// spillFeatures runs query to its end at database speed, writing each
// feature's text, after its length, to spill (memory, then an unlinked
// temporary file), so that the connection goes back to the pool before a
// slow writer starts.
func spillFeatures(spill *spillWriter, query func(grid.FeatureFunc) error) error {
	bw := bufio.NewWriterSize(spill, streamBuffer)
	var head [binary.MaxVarintLen64]byte
	err := query(func(f grid.Feature) error {
		if _, err := bw.Write(binary.AppendUvarint(head[:0], uint64(len(f.JSON)))); err != nil {
			return err
		}
		_, err := bw.Write(f.JSON)
		return err
	})
	if err != nil {
		return err
	}
	return bw.Flush()
}

// eachSpilled reads back the features spillFeatures wrote, in order. A
// feature's JSON is valid only during fn (as a store's is).
func eachSpilled(spill *spillWriter, fn grid.FeatureFunc) error {
	var r io.Reader = bytes.NewReader(spill.head.Bytes())
	if spill.file != nil {
		if _, err := spill.file.Seek(0, io.SeekStart); err != nil {
			return err
		}
		r = spill.file
	}
	br := bufio.NewReaderSize(r, streamBuffer)
	var buf []byte
	for {
		n, err := binary.ReadUvarint(br)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if uint64(cap(buf)) < n {
			buf = make([]byte, n)
		}
		buf = buf[:n]
		if _, err := io.ReadFull(br, buf); err != nil {
			return err
		}
		if err := fn(grid.Feature{JSON: buf}); err != nil {
			return err
		}
	}
}

// parseOrgExportFilter reads the organization filters of an export.
func parseOrgExportFilter(c *fiber.Ctx) (grid.OrgFilter, error) {
	f := grid.OrgFilter{WithUnlocated: true} // the register, 待定位 included
	if err := allowParams(c, orgExportParams...); err != nil {
		return f, err
	}
	var err error
	if f.GridID, err = idParam(c, "grid"); err != nil {
		return f, err
	}
	if f.Kind, err = enumParam(c, "kind", grid.OrgKinds); err != nil {
		return f, err
	}
	if f.PartyOrg, err = enumParam(c, "party_org", grid.PartyOrgs); err != nil {
		return f, err
	}
	if f.Industry, err = textParam(c, "industry", 50); err != nil {
		return f, err
	}
	if f.Gap, err = enumParam(c, "gap", grid.Indicators); err != nil {
		return f, err
	}
	f.Query, err = textParam(c, "q", 100)
	return f, err
}

// period is a ledger's range of time [from, to) and how a file name and
// a title say it.
type period struct {
	from, to time.Time
	label    string // 2025-06, or 2025-06-01至2025-06-30; empty for all time
}

// parseMonth reads a calendar month (China Standard Time) that has begun
// by now.
func parseMonth(raw string, now time.Time) (period, error) {
	t, err := time.ParseInLocation("2006-01", raw, grid.StatsLocation)
	if err != nil {
		return period{}, grid.Invalid("month", "须为年月，如 2025-06 / must be a month such as 2025-06")
	}
	if !t.Before(now) {
		return period{}, grid.Invalid("month", "不能是未来的月份 / must not be a month to come")
	}
	return period{from: t, to: t.AddDate(0, 1, 0), label: raw}, nil
}

// ledgerPeriod reads a ledger's month, or from and to (as the KPIs read
// them: dates or RFC 3339 times, at most 3 years). With neither, it is
// whole when all is set, else the current month.
func ledgerPeriod(c *fiber.Ctx, now time.Time, all bool) (period, error) {
	from, to, month := c.Query("from"), c.Query("to"), c.Query("month")
	switch {
	case month != "" && (from != "" || to != ""):
		return period{}, grid.Invalid("month", "不能与 from、to 同时使用 / cannot be given with from or to")
	case month != "":
		return parseMonth(month, now)
	case from == "" && to == "" && all:
		return period{}, nil
	case from == "" && to == "":
		return parseMonth(now.In(grid.StatsLocation).Format("2006-01"), now)
	}
	q, err := grid.ParseStatsQuery(from, to, "", now)
	if err != nil {
		return period{}, err
	}
	day := func(t time.Time) string { return t.In(grid.StatsLocation).Format(time.DateOnly) }
	return period{from: q.From, to: q.To, label: day(q.From) + "至" + day(q.To.Add(-time.Nanosecond))}, nil
}

// titled is a ledger's title: the zone, what, and its period.
func titled(zone, what string, p period) string {
	t := strings.TrimSpace(zone + " " + what)
	if p.label != "" {
		t += "（" + p.label + "）"
	}
	return t
}

// fileLabel is the part of a file name after its kind: the period, or the
// date of the export.
func (s *Server) fileLabel(p period) string {
	if p.label != "" {
		return p.label
	}
	return s.today()
}

// exportRequests answers the request ledger (诉求台账) of the caller's
// scope: by status and grid, reported in a month or a range (default:
// every request).
func (s *Server) exportRequests(c *fiber.Ctx) error {
	if err := allowParams(c, "status", "grid", "month", "from", "to"); err != nil {
		return err
	}
	var f grid.RequestLedgerFilter
	var err error
	if f.Status, err = enumParam(c, "status", requestStatusFilters); err != nil {
		return err
	}
	if f.GridID, err = idParam(c, "grid"); err != nil {
		return err
	}
	p, err := ledgerPeriod(c, s.now(), true)
	if err != nil {
		return err
	}
	u := userOf(c)
	f.Scope, f.From, f.To = u.Scope(), p.from, p.to
	label := s.fileLabel(p)
	d := download{what: "requests", format: "xlsx", mime: xlsxType, filters: exportFilters(c),
		name: "诉求台账_" + label, ascii: "requests-" + asciiLabel(label)}
	return s.sendDownload(c, d, func(ctx context.Context, w io.Writer) (int, error) {
		n := 0
		rows := rowsOf(&n, func(fn func(report.Request) error) error {
			return s.store.EachRequestRow(ctx, f, func(r grid.RequestRow) error { return fn(ledgerRequest(r)) })
		})
		return n, report.WriteRequestsXLSX(w, titled(s.zoneName(ctx, u), "诉求台账", p), rows)
	})
}

func ledgerRequest(r grid.RequestRow) report.Request {
	return report.Request{Request: r.Request, OrgName: r.OrgName, GridName: r.GridName,
		LiaisonName: r.LiaisonName, UnitName: r.UnitName, SLA: r.SLA}
}

// asciiLabel is a period label for the ASCII file name.
func asciiLabel(label string) string { return strings.ReplaceAll(label, "至", "_") }

// exportContacts answers the contact and visit ledger (联系走访台账), or
// with kind set the visit ledger (走访台账), of a month or a range
// (default: the current month) in the caller's scope.
func (s *Server) exportContacts(kind *grid.ContactKind) fiber.Handler {
	what, title, ascii := "contacts", "联系走访台账", "contacts-"
	if kind != nil {
		what, title, ascii = "visits", "走访台账", "visits-"
	}
	return func(c *fiber.Ctx) error {
		if err := allowParams(c, "month", "from", "to"); err != nil {
			return err
		}
		p, err := ledgerPeriod(c, s.now(), false)
		if err != nil {
			return err
		}
		u := userOf(c)
		f := grid.ContactLedgerFilter{Scope: u.Scope(), Kind: kind, From: p.from, To: p.to}
		label := s.fileLabel(p)
		d := download{what: what, format: "xlsx", mime: xlsxType, filters: exportFilters(c),
			name: title + "_" + label, ascii: ascii + asciiLabel(label)}
		return s.sendDownload(c, d, func(ctx context.Context, w io.Writer) (int, error) {
			n := 0
			rows := rowsOf(&n, func(fn func(report.Contact) error) error {
				return s.store.EachContactRow(ctx, f, func(r grid.ContactRow) error {
					return fn(report.Contact{ContactEntry: r.ContactEntry, OrgName: r.OrgName, GridName: r.GridName})
				})
			})
			return n, report.WriteContactsXLSX(w, titled(s.zoneName(ctx, u), title, p), rows)
		})
	}
}

// exportMonthly answers the monthly report for superiors: coverage by grid
// (at the export: coverage is a standing figure), the month's KPIs by grid
// and by liaison, and the requests and organizations overdue at the
// export, the last three in the caller's scope.
func (s *Server) exportMonthly(c *fiber.Ctx) error {
	if err := allowParams(c, "month"); err != nil {
		return err
	}
	raw := c.Query("month")
	if raw == "" {
		return grid.Invalid("month", "必填，如 2025-06 / required: a month such as 2025-06")
	}
	p, err := parseMonth(raw, s.now())
	if err != nil {
		return err
	}
	u := userOf(c)
	scope := u.Scope()
	d := download{what: "monthly", format: "xlsx", mime: xlsxType, filters: exportFilters(c),
		name: "党建网格工作月报_" + raw, ascii: "monthly-report-" + raw}
	return s.sendDownload(c, d, func(ctx context.Context, w io.Writer) (int, error) {
		overdue := 0
		spill := &spillWriter{}
		defer spill.Close()
		m, err := s.monthly(ctx, u, scope, p, &overdue, spill)
		if err != nil {
			return 0, err
		}
		err = report.WriteMonthlyXLSX(w, m)
		return len(m.Coverage) + len(m.ByGrid) + len(m.ByLiaison) + overdue, err
	})
}

// monthly gathers the monthly report's figures. The overdue lists, which
// can be long, are streamed to the writer as it writes their sheets,
// counting their rows into overdue: the requests from their query, the
// organizations (after a big import, most with a liaison) from spill, so
// that their query does not wait on the XLSX writer.
func (s *Server) monthly(ctx context.Context, u grid.User, scope grid.Scope, p period, overdue *int, spill *spillWriter) (report.Monthly, error) {
	m := report.Monthly{Title: strings.TrimSpace(fmt.Sprintf("%s %d年%d月 党建网格工作月报",
		s.zoneName(ctx, u), p.from.Year(), p.from.Month()))}
	// Coverage is an aggregate every role reads for its whole zone (as on
	// the map), so its grids and total (园区合计) are the zone's, whoever
	// exports.
	var table report.CoverageTable
	for _, ind := range grid.Indicators {
		if err := s.store.EachZoneCoverageFeature(ctx, u.ZoneID, ind, table.Add); err != nil {
			return m, err
		}
	}
	m.Coverage = table.Grids
	m.Total = map[grid.Indicator]grid.Rate{}
	for _, ind := range grid.Indicators {
		zones, err := s.store.CoverageTotals(ctx, ind)
		if err != nil {
			return m, err
		}
		var num, den int64
		for _, z := range zones {
			if u.ZoneID == 0 || z.ZoneID == u.ZoneID {
				num, den = num+z.Numerator, den+z.Denominator
			}
		}
		m.Total[ind] = grid.NewRate(num, den)
	}
	for _, by := range []grid.StatsBy{grid.StatsByGrid, grid.StatsByLiaison} {
		st, err := s.store.Stats(ctx, grid.StatsQuery{Scope: scope, From: p.from, To: p.to, By: by})
		if err != nil {
			return m, err
		}
		if by == grid.StatsByGrid {
			m.ByGrid = st.Groups
		} else {
			m.ByLiaison = st.Groups
		}
	}
	names, err := s.store.Names(ctx)
	if err != nil {
		return m, err
	}
	late := true
	m.OverdueRequests = rowsOf(overdue, func(fn func(report.Request) error) error {
		return s.store.EachRequestRow(ctx, grid.RequestLedgerFilter{RequestFilter: grid.RequestFilter{Scope: scope, Overdue: &late}},
			func(r grid.RequestRow) error { return fn(ledgerRequest(r)) })
	})
	if err := spillFeatures(spill, func(fn grid.FeatureFunc) error { return s.store.EachOverdueOrgFeature(ctx, scope, fn) }); err != nil {
		return m, err
	}
	m.OverdueOrgs = rowsOf(overdue, func(fn func(report.Org) error) error {
		return eachSpilled(spill, func(f grid.Feature) error {
			o, err := report.OrgFromFeature(f, report.Names(names))
			if err != nil {
				return err
			}
			return fn(o)
		})
	})
	return m, nil
}

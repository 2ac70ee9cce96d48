package report

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"iter"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/paulmach/orb"

	"gridgis/grid"
)

// Org is an organization as exported: the domain value with the names a
// reader needs instead of ids, and its liaison rhythm.
type Org struct {
	grid.Org
	GridName      string
	LiaisonID     int64 // 0 when none
	LiaisonName   string
	LastContactAt *time.Time
	LastVisitAt   *time.Time
	// ContactOverdue and VisitOverdue are the organization layer's
	// overdue flags (only organizations with a liaison can be overdue).
	ContactOverdue bool
	VisitOverdue   bool
	// Unlocated is an organization without coordinates (imported without
	// them, not yet placed): its Location means nothing.
	Unlocated bool
}

// Values yields the values of s, for the writers that take a sequence.
func Values[T any](s []T) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		for _, v := range s {
			if !yield(v, nil) {
				return
			}
		}
	}
}

// Names turn the ids a store feature carries into the names a register
// shows.
type Names struct {
	Grids    map[int64]string
	Liaisons map[int64]string
}

// orgFeature is the organization layer's Feature as the store writes it
// (grid.MapStore.EachOrgFeature).
type orgFeature struct {
	ID int64 `json:"id"`
	// Geometry is null for an organization without coordinates.
	Geometry *struct {
		Coordinates [2]float64 `json:"coordinates"`
	} `json:"geometry"`
	Properties struct {
		Name           string          `json:"name"`
		USCC           string          `json:"uscc"`
		Kind           grid.OrgKind    `json:"kind"`
		Industry       string          `json:"industry"`
		Employees      int             `json:"employees"`
		PartyMembers   int             `json:"party_members"`
		PartyOrg       grid.PartyOrg   `json:"party_org"`
		HighTech       bool            `json:"high_tech"`
		Specialized    bool            `json:"specialized"`
		Address        string          `json:"address"`
		ZoneID         int64           `json:"zone_id"`
		GridID         *int64          `json:"grid_id"`
		GridReason     grid.GridReason `json:"grid_reason"`
		LiaisonID      *int64          `json:"liaison_id"`
		LastContactAt  *time.Time      `json:"last_contact_at"`
		LastVisitAt    *time.Time      `json:"last_visit_at"`
		ContactOverdue bool            `json:"contact_overdue"`
		VisitOverdue   bool            `json:"visit_overdue"`
	} `json:"properties"`
}

// OrgFromFeature reads an organization from the organization layer's
// Feature (grid.MapStore.EachOrgFeature), so an export streams straight
// from the same scoped query as the map. The layer lists active
// organizations only.
func OrgFromFeature(f grid.Feature, names Names) (Org, error) {
	var of orgFeature
	if err := json.Unmarshal(f.JSON, &of); err != nil {
		return Org{}, fmt.Errorf("report: organization feature %d: %w", f.ID, err)
	}
	p := of.Properties
	o := Org{Org: grid.Org{ID: of.ID, ZoneID: p.ZoneID, Name: p.Name, USCC: p.USCC, Kind: p.Kind,
		Industry: p.Industry, Employees: p.Employees, PartyMembers: p.PartyMembers, PartyOrg: p.PartyOrg,
		HighTech: p.HighTech, Specialized: p.Specialized, Address: p.Address,
		GridReason: p.GridReason, Active: true},
		LastContactAt: p.LastContactAt, LastVisitAt: p.LastVisitAt,
		ContactOverdue: p.ContactOverdue, VisitOverdue: p.VisitOverdue, Unlocated: of.Geometry == nil}
	if of.Geometry != nil {
		o.Location = orb.Point(of.Geometry.Coordinates)
	}
	if p.GridID != nil {
		o.GridID = *p.GridID
		o.GridName = names.Grids[o.GridID]
	}
	if p.LiaisonID != nil {
		o.LiaisonID = *p.LiaisonID
		o.LiaisonName = names.Liaisons[o.LiaisonID]
	}
	return o, nil
}

// orgColumns are the register's columns, in order, for CSV and XLSX
// alike. The heads are the ones the register import reads (issue 12.3),
// so an exported register imports back.
var orgColumns = []column{
	{"名称", text}, {"统一社会信用代码", text}, {"类型", text}, {"行业", text},
	{"网格", text}, {"归属依据", text}, {"联络员", text}, {"地址", text},
	{"经度", coord}, {"纬度", coord}, {"从业人员", integer}, {"党员人数", integer},
	{"党组织情况", text}, {"高新技术企业", text}, {"专精特新", text}, {"状态", text},
}

func orgStatus(o *Org) string {
	if o.Active {
		return "在册"
	}
	return "已迁出"
}

// Neutralise makes a text cell safe to open in a spreadsheet: a cell that
// begins with =, +, -, @, tab or carriage return could be read as a
// formula (CSV injection), so it gets a leading apostrophe, which
// spreadsheets take as "this is text". An importer should drop the
// apostrophe again before one of these characters.
func Neutralise(s string) string {
	if s != "" && strings.IndexByte("=+-@\t\r", s[0]) >= 0 {
		return "'" + s
	}
	return s
}

// bom is the UTF-8 byte order mark: without it Excel reads a CSV in the
// system's code page (GBK on Chinese Windows) and garbles the Chinese.
const bom = "\uFEFF"

// WriteOrgsCSV writes organizations as a CSV register: UTF-8 with a BOM,
// Chinese heads, Chinese labels for kinds and statuses.
// Text cells are neutralised (Neutralise); number cells (coordinates,
// counts) are formatted from numbers, so they are plain decimals such as
// -0.5 that spreadsheets read as numbers, never as formulas, and are left
// as they are: a negative number stays a number.
func WriteOrgsCSV(w io.Writer, orgs iter.Seq2[Org, error]) error {
	if _, err := io.WriteString(w, bom); err != nil {
		return err
	}
	// Lines end in LF, which Excel and WPS read: with CRLF, encoding/csv
	// would drop a carriage return inside a cell.
	cw := csv.NewWriter(w)
	rec := make([]string, len(orgColumns))
	for i, c := range orgColumns {
		rec[i] = c.head
	}
	if err := cw.Write(rec); err != nil {
		return err
	}
	for o, err := range orgs {
		if err != nil {
			return err
		}
		rec = rec[:0]
		for _, s := range []string{o.Name, o.USCC, label(kindLabels, o.Kind), o.Industry,
			o.GridName, label(gridReasonLabels, o.GridReason), o.LiaisonName, o.Address} {
			rec = append(rec, Neutralise(s))
		}
		lon, lat := "", "" // empty for an unlocated organization, never 0,0
		if !o.Unlocated {
			lon, lat = formatCoord(o.Location.Lon()), formatCoord(o.Location.Lat())
		}
		rec = append(rec, lon, lat, strconv.Itoa(o.Employees), strconv.Itoa(o.PartyMembers))
		for _, s := range []string{label(partyOrgLabels, o.PartyOrg), yesNo(o.HighTech), yesNo(o.Specialized), orgStatus(&o)} {
			rec = append(rec, Neutralise(s))
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// formatCoord writes degrees to 6 decimals, as the map's features do.
func formatCoord(v float64) string { return strconv.FormatFloat(round6(v), 'f', -1, 64) }

func round6(v float64) float64 { return math.Round(v*1e6) / 1e6 }

// WriteOrgsXLSX writes organizations as an XLSX register: one sheet
// 企业名录 titled title, with the CSV's columns, coordinates and counts as
// numbers. Past Excel's 1,048,576 rows it goes on in 企业名录(2).
func WriteOrgsXLSX(w io.Writer, title string, orgs iter.Seq2[Org, error]) error {
	b, err := newBook()
	if err != nil {
		return err
	}
	return b.writeOrgs(w, title, orgs)
}

func (b *book) writeOrgs(w io.Writer, title string, orgs iter.Seq2[Org, error]) error {
	s := b.sheet("企业名录", title, orgColumns)
	for o, err := range orgs {
		if err != nil {
			_ = b.f.Close()
			return err
		}
		var lon, lat any // empty cells for an unlocated organization
		if !o.Unlocated {
			lon, lat = round6(o.Location.Lon()), round6(o.Location.Lat())
		}
		if err := s.add(o.Name, o.USCC, label(kindLabels, o.Kind), o.Industry,
			o.GridName, label(gridReasonLabels, o.GridReason), o.LiaisonName, o.Address,
			lon, lat, o.Employees, o.PartyMembers,
			label(partyOrgLabels, o.PartyOrg), yesNo(o.HighTech), yesNo(o.Specialized), orgStatus(&o)); err != nil {
			_ = b.f.Close()
			return err
		}
	}
	return b.write(w)
}

package ingest

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
	"golang.org/x/text/width"

	"gridgis/geo"
	"gridgis/grid"
)

// Problem is one thing wrong with one row, for the clerk to fix.
type Problem struct {
	Row    int    `json:"row"`   // as Row.Num
	Field  string `json:"field"` // the API field name: name, uscc, kind, lng, location …
	Reason string `json:"reason"`
	// Point is the WGS84 point of a row whose coordinates lie outside the
	// zone, to show it on the map.
	Point *orb.Point `json:"point,omitempty"`
}

// OrgRow is a row that passed every check.
type OrgRow = grid.ImportRow

// Result is a register read and checked. In JSON it is the dry run's
// report: the header and mapping (for the clerk to correct), the counts
// and every problem; the rows stay out.
type Result struct {
	Header    []string  `json:"header"`
	HeaderRow int       `json:"header_row"`
	Mapping   Mapping   `json:"mapping"` // as used: the caller's, or the one guessed
	Rows      []OrgRow  `json:"-"`
	Problems  []Problem `json:"problems"` // in row order; the first Limits.Problems found
	// Warnings are what a clerk should look at but need not fix (a point
	// just outside the zone), in row order, the first Limits.Problems.
	Warnings     []Problem `json:"warnings,omitempty"`
	WarningCount int       `json:"warning_count,omitempty"`
	// Truncated says Problems was cut at Limits.Problems; ProblemCounts
	// then gives how many problems each field had in all.
	Truncated     bool           `json:"truncated,omitempty"`
	ProblemCounts map[string]int `json:"problem_counts,omitempty"`
	Total         int            `json:"total"`     // data rows read; blank rows are not counted
	Valid         int            `json:"valid"`     // len(Rows)
	Invalid       int            `json:"invalid"`   // rows with at least one problem
	Unlocated     int            `json:"unlocated"` // valid rows without coordinates, to be placed on the map
}

// Options say how to read and check a register.
type Options struct {
	Read ReadOptions
	// CRS of the file's coordinates; WGS84 when empty.
	CRS    geo.CRS
	ZoneID int64
	// Mapping overrides the one guessed from the header.
	Mapping Mapping
	// Inside reports whether a WGS84 point lies in the zone (see InBBox);
	// nil accepts any valid point.
	Inside func(orb.Point) bool
	// Outside, when set, says how far in metres a WGS84 point lies outside
	// the zone (0 inside; see OutsideBoundary), and Inside is not used: a
	// point within Near of the zone comes in with a warning (the rule
	// gives it the nearest grid), one farther is a problem.
	Outside func(orb.Point) float64
	// Near is how far outside the zone a point may lie, in metres; 0
	// means DefaultNear.
	Near float64
	// Industries are the zone's industries; nil accepts any.
	Industries []string
	// Progress, when set, is called with the number of data rows read,
	// every progressEvery rows and at the end.
	Progress func(rows int)
	// ExpectRows, when known (a CSV's line count), is room reserved for
	// the rows once the file has shown some good ones (reserve).
	ExpectRows int
}

const progressEvery = 1000

// DefaultNear is how far outside the zone a point may lie and still come
// in: enterprises across a boundary road are the zone's all the same.
const DefaultNear = 1000

// InBBox is an Options.Inside for a zone's bounding box, edges included.
func InBBox(b geo.BBox) func(orb.Point) bool {
	return func(p orb.Point) bool {
		return p[0] >= b.MinLon && p[0] <= b.MaxLon && p[1] >= b.MinLat && p[1] <= b.MaxLat
	}
}

// InBoundary is an Options.Inside for a zone's boundary (grid.Zone's):
// inside a polygon and not in its holes, edges included.
func InBoundary(mp orb.MultiPolygon) func(orb.Point) bool {
	b := mp.Bound()
	return func(p orb.Point) bool { return b.Contains(p) && planar.MultiPolygonContains(mp, p) }
}

// OutsideBoundary is an Options.Outside for a zone's boundary.
func OutsideBoundary(mp orb.MultiPolygon) func(orb.Point) float64 {
	b := mp.Bound()
	return func(p orb.Point) float64 {
		if b.Contains(p) && planar.MultiPolygonContains(mp, p) {
			return 0
		}
		return geo.MetresOutside(mp, p)
	}
}

// ReadOrgs opens r (Open) and checks its rows (CheckOrgs).
func ReadOrgs(r io.Reader, o Options) (*Result, error) {
	rows, err := Open(r, o.Read)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	return CheckOrgs(rows, o)
}

// headerSearch is how many non-blank rows may stand above the header (a
// title such as "某某园区企业名录").
const headerSearch = 10

// CheckOrgs reads every row of rows: it finds the header (the first of the
// first few non-blank rows that names a name or credit-code column), maps
// the columns, and checks each data row, collecting every problem rather
// than stopping at the first. The error is for the file as a whole: a
// *CapError, an unreadable file, or an invalid mapping.
func CheckOrgs(rows Rows, o Options) (*Result, error) {
	lim := o.Read.Limits.withDefaults()
	crs := o.CRS
	if crs != "" {
		var err error
		if crs, err = geo.ParseCRS(string(crs)); err != nil {
			return nil, grid.Invalid("crs", "%v", err)
		}
	}
	// Find the header among the first rows; the rest are data.
	var pending []Row
	header := -1
	for len(pending) < headerSearch {
		row, err := rows.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		if blank(row.Cells) && len(row.Problems) == 0 {
			continue
		}
		row.Cells = slices.Clone(row.Cells) // readers may reuse the slice
		pending = append(pending, row)
		m := GuessMapping(row.Cells)
		if slices.Contains(fieldsOf(m), FieldName) || slices.Contains(fieldsOf(m), FieldUSCC) {
			header = len(pending) - 1
			break
		}
	}
	if len(pending) == 0 {
		return nil, grid.Invalid("file", "文件中没有数据 / the file has no rows")
	}
	if header < 0 {
		header = 0
	}
	res := &Result{Header: pending[header].Cells, HeaderRow: pending[header].Num}
	res.Mapping = o.Mapping
	if res.Mapping == nil {
		res.Mapping = GuessMapping(res.Header)
	}
	if err := res.Mapping.Validate(len(res.Header)); err != nil {
		return res, err
	}
	c := newChecker(o, crs, res, lim)
	for _, row := range pending[header+1:] {
		c.add(row)
	}
	for {
		row, err := rows.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		if blank(row.Cells) && len(row.Problems) == 0 {
			continue
		}
		if res.Total >= lim.Rows {
			return nil, &CapError{Cap: CapRows, Limit: int64(lim.Rows), Row: row.Num}
		}
		c.add(row)
	}
	c.finish()
	if o.Progress != nil {
		o.Progress(res.Total)
	}
	return res, nil
}

func fieldsOf(m Mapping) []Field {
	fs := make([]Field, 0, len(m))
	for _, f := range m {
		fs = append(fs, f)
	}
	return fs
}

func blank(cells []string) bool {
	for _, c := range cells {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

type checker struct {
	o          Options
	crs        geo.CRS
	res        *Result
	cols       map[Field]int
	industries map[string]bool
	interned   map[string]string
	seen       map[string]*firstUSCC
	dropped    map[int]bool // indexes into res.Rows that a later duplicate invalidated
	// A file of bad rows must not make a report bigger than itself.
	maxProblems int
	counts      map[string]int // problems by field, kept or not
	expect      int            // Options.ExpectRows within the row cap
}

// reserveAfter is how many good rows a file shows before the checker
// reserves room for all the rows it expects: a file of rows that all
// fail reserves nothing.
const reserveAfter = 1024

// firstUSCC is where a credit code first occurred.
type firstUSCC struct {
	row      int
	index    int // into res.Rows, or -1 when that row had problems
	reported bool
}

func newChecker(o Options, crs geo.CRS, res *Result, lim Limits) *checker {
	c := &checker{o: o, crs: crs, res: res, cols: res.Mapping.columns(),
		interned: map[string]string{}, seen: map[string]*firstUSCC{}, dropped: map[int]bool{},
		maxProblems: lim.Problems, counts: map[string]int{}, expect: min(max(o.ExpectRows, 0), lim.Rows)}
	if o.Industries != nil {
		c.industries = map[string]bool{}
		for _, s := range o.Industries {
			c.industries[strings.TrimSpace(s)] = true
		}
	}
	return c
}

// cell is the row's value for f: trimmed, without the apostrophe our CSV
// export puts before a leading =, +, -, @, tab or CR (report.Neutralise).
func (c *checker) cell(cells []string, f Field) string {
	i, ok := c.cols[f]
	if !ok || i >= len(cells) {
		return ""
	}
	s := cells[i]
	if len(s) > 1 && s[0] == '\'' && strings.IndexByte("=+-@\t\r", s[1]) >= 0 {
		s = s[1:]
	}
	if narrowFields[f] && strings.ContainsFunc(s, isFullWidth) {
		// A Chinese input method types full-width digits and commas.
		s = width.Narrow.String(s)
	}
	return strings.TrimSpace(s)
}

// isFullWidth reports whether r is a full-width form of an ASCII
// character, or the ideographic space.
func isFullWidth(r rune) bool { return r >= 0xFF01 && r <= 0xFF5E || r == 0x3000 }

// narrowFields hold codes, numbers and yes/no, read in half-width.
var narrowFields = map[Field]bool{FieldUSCC: true, FieldLng: true, FieldLat: true, FieldLocation: true,
	FieldEmployees: true, FieldPartyMembers: true, FieldHighTech: true, FieldSpecialized: true}

// rowCheck gathers one row's problems.
type rowCheck struct {
	num      int
	problems []Problem
	flagged  map[string]bool
}

func (r *rowCheck) add(field, format string, args ...any) *Problem {
	// A reason quotes cells, which need not be UTF-8.
	reason := strings.ToValidUTF8(fmt.Sprintf(format, args...), "\uFFFD")
	r.problems = append(r.problems, Problem{Row: r.num, Field: field, Reason: reason})
	r.flag(field)
	return &r.problems[len(r.problems)-1]
}

// flag marks field as faulted; the map is made only for a row with a
// problem, which most rows have not.
func (r *rowCheck) flag(field string) {
	if r.flagged == nil {
		r.flagged = map[string]bool{}
	}
	r.flagged[field] = true
}

func (c *checker) add(row Row) {
	c.res.Total++
	if c.o.Progress != nil && c.res.Total%progressEvery == 0 {
		defer c.o.Progress(c.res.Total)
	}
	rc := &rowCheck{num: row.Num, problems: row.Problems}
	if slices.ContainsFunc(row.Problems, func(p Problem) bool { return p.Field == "encoding" }) {
		// The row's text is garbled: its other problems would only repeat it.
		c.res.Invalid++
		c.report(row.Problems...)
		return
	}
	cells := row.Cells
	org := grid.Org{ZoneID: c.o.ZoneID, Active: true,
		Name:     c.cell(cells, FieldName),
		USCC:     strings.ToUpper(strings.Join(strings.Fields(c.cell(cells, FieldUSCC)), "")),
		Industry: c.cell(cells, FieldIndustry),
		Address:  c.cell(cells, FieldAddress),
	}
	var ok bool
	if org.Kind, ok = parseKind(c.cell(cells, FieldKind)); !ok {
		rc.add("kind", "类型“%s”无法识别，须为 企业、新经济组织 或 社会组织", c.cell(cells, FieldKind))
		org.Kind = grid.KindEnterprise
	}
	if org.PartyOrg, ok = parsePartyOrg(c.cell(cells, FieldPartyOrg)); !ok {
		rc.add("party_org", "党组织情况“%s”无法识别，须为 无、单独组建 或 联合组建", c.cell(cells, FieldPartyOrg))
		org.PartyOrg = grid.PartyNone
	}
	org.Employees = c.count(rc, cells, FieldEmployees)
	org.PartyMembers = c.count(rc, cells, FieldPartyMembers)
	org.HighTech = c.yesNo(rc, cells, FieldHighTech)
	org.Specialized = c.yesNo(rc, cells, FieldSpecialized)
	if org.USCC == "" {
		rc.add("uscc", "统一社会信用代码不能为空")
		org.USCC = placeholderUSCC
	}
	if c.industries != nil && org.Industry != "" && !c.industries[org.Industry] {
		rc.add("industry", "行业“%s”不是本园区的行业", org.Industry)
	}
	loc, located := c.location(rc, cells)
	if located {
		org.Location = loc
	}
	given := c.given(cells)
	validate(rc, statedOnly(org, given))
	if rc.flagged["uscc"] {
		org.USCC = "" // not a code to match duplicates on
	}

	index := -1
	if len(rc.problems) == 0 {
		org.Industry = c.intern(org.Industry)
		index = len(c.res.Rows)
		c.reserve()
		c.res.Rows = append(c.res.Rows, OrgRow{Row: row.Num, Org: org, Located: located, Given: given})
	}
	if org.USCC != "" {
		c.duplicate(rc, org.USCC, index)
	}
	if len(rc.problems) > 0 {
		c.res.Invalid++
		if index >= 0 { // a duplicate found now; the row was kept above
			c.dropped[index] = true
		}
		c.report(rc.problems...)
	}
}

// statedOnly is o for the row's own checks: an attribute the row does not
// state takes a value that no rule between attributes can fault (the
// store checks those rules on the values merged with the organization's,
// grid.ImportOutcome.Refused).
func statedOnly(o grid.Org, given grid.OrgAttrs) grid.Org {
	if !given.Has(grid.AttrEmployees) {
		o.Employees = math.MaxInt32
	}
	if !given.Has(grid.AttrPartyMembers) {
		o.PartyMembers = 0
		if given.Has(grid.AttrPartyOrg) && o.PartyOrg == grid.PartyStandalone {
			o.PartyMembers = min(grid.MinStandaloneMembers, o.Employees)
		}
	}
	if !given.Has(grid.AttrPartyOrg) {
		o.PartyOrg = grid.PartyNone
	}
	return o
}

// attrFields are the optional attributes' columns.
var attrFields = []struct {
	attr  grid.OrgAttrs
	field Field
}{{grid.AttrKind, FieldKind}, {grid.AttrAddress, FieldAddress}, {grid.AttrEmployees, FieldEmployees},
	{grid.AttrPartyMembers, FieldPartyMembers}, {grid.AttrPartyOrg, FieldPartyOrg},
	{grid.AttrHighTech, FieldHighTech}, {grid.AttrSpecialized, FieldSpecialized}}

// given is the optional attributes the row states: a blank cell, or a
// column the mapping leaves out, says nothing.
func (c *checker) given(cells []string) grid.OrgAttrs {
	var s grid.OrgAttrs
	for _, a := range attrFields {
		if c.cell(cells, a.field) != "" {
			s |= a.attr
		}
	}
	return s
}

// report keeps problems up to the cap and counts them all.
func (c *checker) report(ps ...Problem) {
	for _, p := range ps {
		c.counts[p.Field]++
		if len(c.res.Problems) < c.maxProblems {
			c.res.Problems = append(c.res.Problems, p)
		} else {
			c.res.Truncated = true
		}
	}
}

// duplicate notes a credit code; its second and later rows get a problem
// naming the first, and the first one naming the second.
func (c *checker) duplicate(rc *rowCheck, code string, index int) {
	first, dup := c.seen[code]
	if !dup {
		c.seen[code] = &firstUSCC{row: rc.num, index: index}
		return
	}
	rc.add("uscc", "统一社会信用代码 %s 与第 %d 行重复", code, first.row)
	if first.reported {
		return
	}
	first.reported = true
	c.report(Problem{Row: first.row, Field: "uscc",
		Reason: fmt.Sprintf("统一社会信用代码 %s 与第 %d 行重复", code, rc.num)})
	if first.index >= 0 {
		c.dropped[first.index] = true
		c.res.Invalid++
	}
}

// reserve makes room for the expected rows and their credit codes once
// reserveAfter good rows came: growing a million rows by doubling copied
// about half a gigabyte and took a third of the check's time.
func (c *checker) reserve() {
	if len(c.res.Rows) != reserveAfter || c.expect <= reserveAfter {
		return
	}
	c.res.Rows = slices.Grow(c.res.Rows, c.expect-reserveAfter)
	seen := make(map[string]*firstUSCC, c.expect)
	maps.Copy(seen, c.seen)
	c.seen = seen
}

func (c *checker) finish() {
	if len(c.dropped) > 0 {
		kept := c.res.Rows[:0]
		for i, r := range c.res.Rows {
			if !c.dropped[i] {
				kept = append(kept, r)
			}
		}
		clear(c.res.Rows[len(kept):])
		c.res.Rows = kept
	}
	c.res.Valid = len(c.res.Rows)
	for _, r := range c.res.Rows {
		if !r.Located {
			c.res.Unlocated++
		}
	}
	if c.res.Truncated {
		c.res.ProblemCounts = c.counts
	}
	slices.SortStableFunc(c.res.Problems, func(a, b Problem) int { return a.Row - b.Row })
}

// intern shares one string among the rows of an industry.
func (c *checker) intern(s string) string {
	if v, ok := c.interned[s]; ok {
		return v
	}
	c.interned[s] = s
	return s
}

// count reads a head count: a whole number from 0 to 2^31-1, empty being
// 0. Excel may write 12 as "12.0" or "1,200"; both are read.
func (c *checker) count(rc *rowCheck, cells []string, f Field) int {
	s := c.cell(cells, f)
	if s == "" {
		return 0
	}
	t := strings.ReplaceAll(s, ",", "")
	n, err := strconv.ParseInt(t, 10, 64)
	if err != nil {
		v, ferr := strconv.ParseFloat(t, 64)
		if ferr != nil || v != math.Trunc(v) || math.IsInf(v, 0) {
			rc.add(string(f), "%s“%s”须为整数", fieldLabels[f], s)
			return 0
		}
		if v < 0 || v > math.MaxInt32 {
			n = -1
		} else {
			n = int64(v)
		}
	}
	if n < 0 || n > math.MaxInt32 {
		rc.add(string(f), "%s“%s”须在 0 到 %d 之间", fieldLabels[f], s, math.MaxInt32)
		return 0
	}
	return int(n)
}

func (c *checker) yesNo(rc *rowCheck, cells []string, f Field) bool {
	s := c.cell(cells, f)
	switch strings.ToLower(s) {
	case "", "否", "0", "false", "no", "n", "f", "×", "非":
		return false
	case "是", "1", "true", "yes", "y", "t", "√":
		return true
	}
	rc.add(string(f), "%s“%s”须为 是 或 否", fieldLabels[f], s)
	return false
}

// location reads the row's coordinates in the file's CRS and returns them
// in WGS84. A row without any is unlocated, which is no problem.
func (c *checker) location(rc *rowCheck, cells []string) (orb.Point, bool) {
	lngS, latS := c.cell(cells, FieldLng), c.cell(cells, FieldLat)
	field := "location"
	if _, ok := c.cols[FieldLocation]; ok {
		lngS, latS = splitPair(c.cell(cells, FieldLocation))
		if lngS == "" && latS == "" && c.cell(cells, FieldLocation) != "" {
			rc.add(field, "坐标“%s”须为“经度, 纬度”", c.cell(cells, FieldLocation))
			return orb.Point{}, false
		}
	} else if latS == "" && lngS != "" {
		// "121.5, 31.2" in the longitude column.
		if a, b := splitPair(lngS); a != "" {
			lngS, latS = a, b
		}
	}
	switch {
	case lngS == "" && latS == "":
		return orb.Point{}, false
	case lngS == "" || latS == "":
		rc.add(field, "经度和纬度须同时填写或同时留空")
		return orb.Point{}, false
	}
	lng, okLng := parseCoord(lngS)
	lat, okLat := parseCoord(latS)
	if !okLng {
		rc.add("lng", "经度“%s”须为有限的数字", lngS)
	}
	if !okLat {
		rc.add("lat", "纬度“%s”须为有限的数字", latS)
	}
	if !okLng || !okLat {
		return orb.Point{}, false
	}
	raw := orb.Point{lng, lat}
	if geo.ValidatePoint(raw) != nil {
		hint := ""
		if geo.ValidatePoint(orb.Point{lat, lng}) == nil {
			hint = "（经纬度可能填反了）"
		}
		rc.add(field, "坐标 (%s, %s) 超出范围：经度须在 -180 到 180、纬度须在 -90 到 90 之间%s", lngS, latS, hint)
		return orb.Point{}, false
	}
	p := geo.ToWGS84(c.crs, raw)
	if c.o.Outside != nil {
		return c.near(rc, p, lngS, latS, orb.Point{lat, lng})
	}
	if c.o.Inside != nil && !c.o.Inside(p) {
		hint := ""
		if c.o.Inside(geo.ToWGS84(c.crs, orb.Point{lat, lng})) {
			hint = "（经纬度可能填反了）"
		}
		pr := rc.add(field, "坐标 (%s, %s) 不在本园区范围内%s", lngS, latS, hint)
		pr.Point = &p
		return orb.Point{}, false
	}
	return p, true
}

// near takes a point outside the zone by at most Options.Near with a
// warning, and makes one farther a problem, naming the distance; swapped
// is the row's coordinates the other way round.
func (c *checker) near(rc *rowCheck, p orb.Point, lngS, latS string, swapped orb.Point) (orb.Point, bool) {
	d := c.o.Outside(p)
	if d == 0 {
		return p, true
	}
	limit := c.o.Near
	if limit <= 0 {
		limit = DefaultNear
	}
	const field = "location"
	if d <= limit {
		c.res.WarningCount++
		if len(c.res.Warnings) < c.maxProblems {
			c.res.Warnings = append(c.res.Warnings, Problem{Row: rc.num, Field: field, Point: &p,
				Reason: fmt.Sprintf("坐标 (%s, %s) 在园区边界外约 %.0f 米，将按“属地兜底”划入最近的网格，请核对", lngS, latS, d)})
		}
		return p, true
	}
	hint := ""
	if c.o.Outside(geo.ToWGS84(c.crs, swapped)) <= limit {
		hint = "（经纬度可能填反了）"
	} else if d > 100_000 {
		hint = "（请核对坐标系：高德为 GCJ-02，百度为 BD-09）"
	}
	where := fmt.Sprintf("约 %.1f 公里", d/1000)
	pr := rc.add(field, "坐标 (%s, %s) 在园区边界外%s，超出 %.0f 米的容许范围%s", lngS, latS, where, limit, hint)
	pr.Point = &p
	return orb.Point{}, false
}

// splitPair splits "121.5, 31.2" (comma, full-width comma, semicolon or
// spaces between) into its two parts; "" "" when it is not two parts.
func splitPair(s string) (string, string) {
	parts := strings.FieldsFunc(s, func(r rune) bool {
		return r == ',' || r == '，' || r == ';' || r == '；' || r == ' ' || r == '　' || r == '\t'
	})
	if len(parts) != 2 {
		return "", ""
	}
	return parts[0], parts[1]
}

// parseCoord reads a finite decimal degree, allowing a trailing "°".
func parseCoord(s string) (float64, bool) {
	v, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(s), "°"), 64)
	return v, err == nil && !math.IsNaN(v) && !math.IsInf(v, 0)
}

func parseKind(s string) (grid.OrgKind, bool) {
	switch strings.ToLower(s) {
	// Besides the three kinds, their legal forms: a register may list those.
	case "", "企业", "enterprise", "有限责任公司", "股份有限公司", "个人独资企业", "合伙企业":
		return grid.KindEnterprise, true
	case "新经济组织", "new_economic":
		return grid.KindNewEconomic, true
	case "社会组织", "social", "社会团体", "民办非企业单位", "基金会":
		return grid.KindSocial, true
	}
	return "", false
}

func parsePartyOrg(s string) (grid.PartyOrg, bool) {
	switch strings.ToLower(s) {
	case "", "无", "没有", "未建立", "未组建", "未建", "none":
		return grid.PartyNone, true
	case "单独组建", "单建", "standalone":
		return grid.PartyStandalone, true
	case "联合组建", "联建", "joint":
		return grid.PartyJoint, true
	}
	return "", false
}

// placeholderUSCC is a valid credit code standing in for a missing or
// wrong one, so that grid.Org.Validate goes on to the next field.
var placeholderUSCC = func() string {
	body := "91310000000000000"
	ch, _ := grid.USCCCheckChar(body)
	return body + string(ch)
}()

// validate runs grid.Org.Validate, the rules every organization obeys,
// over and over: each time it names a field, the problem is reported in
// Chinese and the field replaced by a valid stand-in, so that every field
// is checked. A field the row's parsing already faulted is not reported
// again, nor a rule that depends on it.
func validate(rc *rowCheck, o grid.Org) {
	for range 16 {
		err := o.Validate()
		if err == nil {
			return
		}
		var ge *grid.Error
		if !errors.As(err, &ge) {
			rc.add("", "%v", err)
			return
		}
		field := ge.Field
		if field == "geometry" {
			field = "location"
		}
		reason := ""
		switch field {
		case "name":
			reason = textReason("名称", o.Name, 100)
			o.Name = "x"
		case "uscc":
			reason = usccReason(o.USCC)
			o.USCC = placeholderUSCC
		case "kind":
			reason = "类型须为 企业、新经济组织 或 社会组织"
			o.Kind = grid.KindEnterprise
		case "industry":
			reason = textReason("行业", o.Industry, 50)
			o.Industry = "x"
		case "employees":
			reason = fmt.Sprintf("从业人员须在 0 到 %d 之间", math.MaxInt32)
			o.Employees = max(o.PartyMembers, 0)
		case "party_members":
			if o.PartyMembers > o.Employees && !rc.flagged["employees"] {
				reason = fmt.Sprintf("党员人数（%d）不能超过从业人员（%d）", o.PartyMembers, o.Employees)
			}
			o.PartyMembers = max(min(o.PartyMembers, o.Employees), 0)
			field = "party_members"
			if reason == "" {
				rc.flag(field) // the dependent rules would only repeat it
			}
		case "party_org":
			if o.PartyOrg == grid.PartyStandalone {
				if !rc.flagged["party_members"] {
					reason = fmt.Sprintf("单独组建党组织至少需要 %d 名党员，此处为 %d 名", grid.MinStandaloneMembers, o.PartyMembers)
				}
			} else {
				reason = "党组织情况须为 无、单独组建 或 联合组建"
			}
			o.PartyOrg = grid.PartyNone
		case "address":
			if utf8.RuneCountInString(o.Address) > 200 {
				reason = "地址不能超过 200 个字符"
			} else {
				reason = "地址含有无效字符"
			}
			o.Address = ""
		case "location":
			reason = "坐标无效"
			o.Location = orb.Point{}
		default:
			rc.add(field, "%s", ge.Message)
			return
		}
		if reason != "" && !rc.flagged[field] {
			rc.add(field, "%s", reason)
		}
	}
}

// usccReason says what is wrong with a credit code, and for a wrong check
// character which one it should be.
func usccReason(code string) string {
	if strings.Contains(code, "E+") {
		return fmt.Sprintf("统一社会信用代码 %s 被 Excel 存成了数字，末几位已丢失：请把该列设为文本后重新填写", code)
	}
	if n := utf8.RuneCountInString(code); n != 18 {
		return fmt.Sprintf("统一社会信用代码 %s 须为 18 位，此处为 %d 位", code, n)
	}
	if ch, ok := grid.USCCCheckChar(code[:17]); ok {
		for i := 2; i < 8; i++ {
			if code[i] < '0' || code[i] > '9' {
				return fmt.Sprintf("统一社会信用代码 %s 第 3 至 8 位须为行政区划代码（数字）", code)
			}
		}
		return fmt.Sprintf("统一社会信用代码 %s 校验位错误，应为 %c", code, ch)
	}
	return fmt.Sprintf("统一社会信用代码 %s 含有无效字符（只能是数字和 I、O、S、V、Z 以外的大写字母）", code)
}

// textReason says why a required text of at most limit characters was
// refused: empty, too long, or holding what text may not (NUL, bad UTF-8).
func textReason(label, s string, limit int) string {
	switch {
	case s == "":
		return label + "不能为空"
	case utf8.RuneCountInString(s) > limit:
		return fmt.Sprintf("%s不能超过 %d 个字符", label, limit)
	}
	return label + "含有无效字符"
}

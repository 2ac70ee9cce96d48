package demo_test

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"gridgis/geo"
	"gridgis/grid"
	"gridgis/grid/demo"
)

// now is the fixed clock of these tests.
var now = time.Date(2026, 3, 15, 10, 0, 0, 0, time.UTC)

func generate(t *testing.T, scale int) (*demo.Dataset, *grid.Batch) {
	t.Helper()
	ds := demo.Generate(demo.Options{Now: now, Scale: scale})
	return ds, ds.Collect()
}

// fingerprint hashes everything a dataset holds.
func fingerprint(t *testing.T, ds *demo.Dataset) string {
	t.Helper()
	data, err := json.Marshal(struct {
		Fixed *demo.Dataset
		All   *grid.Batch
	}{ds, ds.Collect()})
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("%x", sha256.Sum256(data))
}

func TestGenerateIsDeterministic(t *testing.T) {
	for _, scale := range []int{1, 2} {
		t.Run(fmt.Sprint("scale ", scale), func(t *testing.T) {
			a := fingerprint(t, demo.Generate(demo.Options{Now: now, Scale: scale}))
			b := fingerprint(t, demo.Generate(demo.Options{Now: now, Scale: scale}))
			if a != b {
				t.Errorf("two generations differ: %s and %s", a, b)
			}
			if c := fingerprint(t, demo.Generate(demo.Options{Now: now.Add(time.Hour), Scale: scale})); c == a {
				t.Errorf("another Now gives the same dataset")
			}
		})
	}
}

func TestFigures(t *testing.T) {
	ds, all := generate(t, 1)
	kinds := map[grid.OrgKind]int{}
	var highTech, specialized, employees, members int
	for _, o := range all.Orgs {
		kinds[o.Kind]++
		employees += o.Employees
		members += o.PartyMembers
		if o.HighTech {
			highTech++
		}
		if o.Specialized {
			specialized++
		}
	}
	units := map[grid.UnitKind]int{}
	for _, u := range ds.Units {
		units[u.Kind]++
	}
	tests := []struct {
		name   string
		got    int
		lo, hi int
	}{
		{"enterprises", kinds[grid.KindEnterprise], 300, 300},
		{"new economic organizations", kinds[grid.KindNewEconomic], 85, 85},
		{"social organizations", kinds[grid.KindSocial], 19, 19},
		{"high-tech enterprises", highTech, 110, 130},
		{"specialized enterprises", specialized, 12, 30},
		{"employees", employees, 15300, 18700},
		{"party members", members, 2700, 3300},
		{"grids", len(ds.Grids), 6, 6},
		{"liaisons", len(all.Liaisons), 36, 36},
		{"alliance units", len(ds.Units), 28, 28},
		{"banks and investors", units[grid.UnitBank] + units[grid.UnitInvestor], 8, 8},
		{"requests", len(all.Requests), 120, 136},
		{"users", len(ds.Users), 1 + 6 + 1 + 36, 1 + 6 + 1 + 36},
	}
	for _, tt := range tests {
		t.Logf("%s: %d", tt.name, tt.got)
		if tt.got < tt.lo || tt.got > tt.hi {
			t.Errorf("%s: %d, want %d..%d", tt.name, tt.got, tt.lo, tt.hi)
		}
	}
	if ds.Zone.Code != demo.ZoneCode || ds.Zone.ID != 1 {
		t.Errorf("zone = %d %q", ds.Zone.ID, ds.Zone.Code)
	}
}

func TestOrganizationsAreValid(t *testing.T) {
	_, all := generate(t, 1)
	codes, names := map[string]bool{}, map[string]bool{}
	for _, o := range all.Orgs {
		if !grid.ValidUSCC(o.USCC) {
			t.Errorf("%s: invalid credit code %s", o.Name, o.USCC)
		}
		if codes[o.USCC] || names[o.Name] {
			t.Errorf("%s (%s): duplicate name or credit code", o.Name, o.USCC)
		}
		codes[o.USCC], names[o.Name] = true, true
		if o.PartyOrg == grid.PartyStandalone && o.PartyMembers < grid.MinStandaloneMembers {
			t.Errorf("%s: standalone party organization with %d members", o.Name, o.PartyMembers)
		}
		v := o
		if err := v.Validate(); err != nil {
			t.Errorf("%s: %v", o.Name, err)
		}
		if !o.Active || o.ZoneID != 1 || o.Address == "" {
			t.Errorf("%s: active %v, zone %d, address %q", o.Name, o.Active, o.ZoneID, o.Address)
		}
	}
	gaps := 0
	for _, o := range all.Orgs {
		if o.PartyMembers >= grid.MinStandaloneMembers && o.PartyOrg != grid.PartyStandalone {
			gaps++
		}
	}
	if gaps == 0 {
		t.Errorf("no organization with 3+ party members lacks a standalone organization: planners see no gaps")
	}
}

func TestEveryOrgFollowsTheAssignmentRule(t *testing.T) {
	ds, all := generate(t, 1)
	reasons := map[grid.GridReason]int{}
	outside := 0
	for _, o := range all.Orgs {
		g, reason, _ := grid.AssignGrid(o.Industry, o.Location, ds.Grids)
		if o.GridID != g.ID || o.GridReason != reason {
			t.Errorf("%s: grid %d (%s), the rule says %d (%s)", o.Name, o.GridID, o.GridReason, g.ID, reason)
		}
		reasons[o.GridReason]++
		if !geo.CoversPoint(ds.Zone.Boundary, o.Location) {
			outside++
		}
	}
	for _, r := range []grid.GridReason{grid.ReasonIndustry, grid.ReasonTerritory, grid.ReasonNearest} {
		if reasons[r] == 0 {
			t.Errorf("no organization assigned by %s", r)
		}
	}
	if reasons[grid.ReasonManual] != 0 {
		t.Errorf("%d manual assignments in generated data", reasons[grid.ReasonManual])
	}
	if outside < 3 || outside > 5 || reasons[grid.ReasonNearest] != outside {
		t.Errorf("%d organizations outside the zone, %d nearest; want 3..5 of each", outside, reasons[grid.ReasonNearest])
	}
}

func TestGridsTileTheZone(t *testing.T) {
	ds, _ := generate(t, 1)
	zoneRing := ds.Zone.Boundary[0][0]
	origin := zoneRing[0]
	if !geo.RingIsCCW(zoneRing) || !zoneRing.Closed() {
		t.Errorf("zone ring not closed and counter-clockwise")
	}
	sum := 0.0
	segments := map[[2]orb.Point]int{} // directed grid ring segments
	for _, g := range ds.Grids {
		if len(g.Geom) != 1 || len(g.Geom[0]) != 1 {
			t.Fatalf("%s: want one polygon of one ring", g.Code)
		}
		r := g.Geom[0][0]
		if !geo.RingIsCCW(r) || !r.Closed() {
			t.Errorf("%s: ring not closed and counter-clockwise", g.Code)
		}
		if err := geo.ValidateMultiPolygon(g.Geom); err != nil {
			t.Errorf("%s: %v", g.Code, err)
		}
		sum += area(r, origin)
		for i := 1; i < len(r); i++ {
			segments[[2]orb.Point{r[i-1], r[i]}]++
		}
	}
	zone := area(zoneRing, origin)
	if math.Abs(sum-zone) > 1e-12*zone {
		t.Errorf("grid areas sum to %.17g, zone area %.17g", sum, zone)
	}
	// Exact tiling: each grid segment is either on the outline (same
	// direction) or shared, reversed, by exactly one other grid.
	outline := map[[2]orb.Point]bool{}
	for i := 1; i < len(zoneRing); i++ {
		outline[[2]orb.Point{zoneRing[i-1], zoneRing[i]}] = true
	}
	for s, n := range segments {
		reversed := segments[[2]orb.Point{s[1], s[0]}]
		if n != 1 || (outline[s] == (reversed == 1)) {
			t.Errorf("segment %v: %d times, reversed %d times, on outline %v", s, n, reversed, outline[s])
		}
		delete(outline, s)
	}
	if len(outline) != 0 {
		t.Errorf("%d outline segments belong to no grid", len(outline))
	}
	km2 := zone * 92.56 * 110.95
	if c := zoneRing.Bound().Center(); km2 < 27 || km2 > 33 || math.Abs(c[0]-113.3) > 0.02 || math.Abs(c[1]-33.75) > 0.02 {
		t.Errorf("zone of %.1f km² centred at %v, want about 30 km² near 113.30°E 33.75°N", km2, c)
	}
}

// area is the shoelace area of r with coordinates taken relative to origin,
// which keeps the products small and the sum exact enough for 1e-12.
func area(r orb.Ring, origin orb.Point) float64 {
	s := 0.0
	for i := 1; i < len(r); i++ {
		ax, ay := r[i-1][0]-origin[0], r[i-1][1]-origin[1]
		bx, by := r[i][0]-origin[0], r[i][1]-origin[1]
		s += ax*by - bx*ay
	}
	return s / 2
}

func TestAssignments(t *testing.T) {
	ds, all := generate(t, 1)
	orgs := map[int64]grid.Org{}
	for _, o := range all.Orgs {
		orgs[o.ID] = o
	}
	liaisons := map[int64]grid.Liaison{}
	for _, l := range all.Liaisons {
		liaisons[l.ID] = l
		if !geo.CoversPoint(gridOf(t, ds, l.GridID), l.Base) {
			t.Errorf("liaison %s: base outside their grid", l.Name)
		}
		if !regexp.MustCompile(`^1[358][0-9]{9}$`).MatchString(l.Phone) {
			t.Errorf("liaison %s: phone %q", l.Name, l.Phone)
		}
	}
	load := map[int64]int{}
	byOrg := map[int64][]grid.Assignment{}
	history := 0
	for _, a := range all.Assignments {
		o, l := orgs[a.OrgID], liaisons[a.LiaisonID]
		if o.GridID != l.GridID {
			t.Errorf("assignment %d: org in grid %d, liaison in grid %d", a.ID, o.GridID, l.GridID)
		}
		if a.ValidTo == nil {
			load[a.LiaisonID]++
		} else {
			history++
			if !a.ValidTo.After(a.ValidFrom) {
				t.Errorf("assignment %d: empty period", a.ID)
			}
		}
		if a.Cause != grid.CauseRule {
			t.Errorf("assignment %d: cause %s", a.ID, a.Cause)
		}
		byOrg[a.OrgID] = append(byOrg[a.OrgID], a)
	}
	for _, l := range all.Liaisons {
		if n := load[l.ID]; n < l.MinLoad || n > l.MaxLoad {
			t.Errorf("liaison %s carries %d, want %d..%d", l.Name, n, l.MinLoad, l.MaxLoad)
		}
	}
	for org, as := range byOrg {
		active := 0
		for i, a := range as {
			if a.ValidTo == nil {
				active++
			}
			for _, b := range as[i+1:] {
				if overlaps(a, b) {
					t.Errorf("org %d: assignments %d and %d overlap", org, a.ID, b.ID)
				}
			}
		}
		if active != 1 {
			t.Errorf("org %d: %d active assignments", org, active)
		}
	}
	if history == 0 {
		t.Errorf("no assignment history")
	}
	if uncovered := len(all.Orgs) - len(byOrg); uncovered < 100 {
		t.Errorf("%d organizations without a liaison, want 100 or more (36 × 8 < 404)", uncovered)
	}
}

func overlaps(a, b grid.Assignment) bool {
	aEndsAfterB := a.ValidTo == nil || a.ValidTo.After(b.ValidFrom)
	bEndsAfterA := b.ValidTo == nil || b.ValidTo.After(a.ValidFrom)
	return aEndsAfterB && bEndsAfterA
}

func gridOf(t *testing.T, ds *demo.Dataset, id int64) orb.MultiPolygon {
	t.Helper()
	for _, g := range ds.Grids {
		if g.ID == id {
			return g.Geom
		}
	}
	t.Fatalf("no grid %d", id)
	return nil
}

// legal is the request loop's transitions: action → from → to.
var legal = map[string]map[grid.RequestStatus]grid.RequestStatus{
	"report":    {"": grid.StatusReported},
	"assign":    {grid.StatusReported: grid.StatusAssigned},
	"start":     {grid.StatusAssigned: grid.StatusInProgress},
	"resolve":   {grid.StatusInProgress: grid.StatusResolved},
	"send_back": {grid.StatusResolved: grid.StatusInProgress},
	"verify":    {grid.StatusResolved: grid.StatusVerified},
	"reject":    {grid.StatusReported: grid.StatusRejected, grid.StatusAssigned: grid.StatusRejected},
}

func TestRequestHistories(t *testing.T) {
	ds, all := generate(t, 1)
	events := map[int64][]grid.RequestEvent{}
	for _, e := range all.Events {
		events[e.RequestID] = append(events[e.RequestID], e)
	}
	var closed, overdueOpen, verified, happy, onTimeAnswer, rework int
	for _, r := range all.Requests {
		checkRequest(t, ds, r, events[r.ID])
		switch r.Status {
		case grid.StatusVerified:
			closed++
			verified++
			if r.Satisfaction >= 4 {
				happy++
			}
		case grid.StatusRejected:
			closed++
		default:
			if r.DueAt.Before(ds.Now) {
				overdueOpen++
			}
		}
		if r.AssignedAt != nil && !r.AssignedAt.After(r.ResponseDueAt) {
			onTimeAnswer++
		}
		if r.ReworkCount > 0 {
			rework++
		}
	}
	n := float64(len(all.Requests))
	t.Logf("%d requests: %d closed, %d open overdue, %d answered in 24 h, %d reworked, %d/%d verified rated 4-5",
		len(all.Requests), closed, overdueOpen, onTimeAnswer, rework, happy, verified)
	if share := float64(closed) / n; share < 0.94 || share > 0.98 {
		t.Errorf("closed share %.3f, want about 0.96", share)
	}
	if overdueOpen == 0 || overdueOpen == len(all.Requests)-closed {
		t.Errorf("%d of %d open requests overdue, want some but not all", overdueOpen, len(all.Requests)-closed)
	}
	if share := float64(happy) / float64(verified); share < 0.8 {
		t.Errorf("satisfied (4-5) share %.2f, want mostly", share)
	}
	if share := float64(onTimeAnswer) / n; share < 0.85 || share == 1 {
		t.Errorf("answered within 24 h: %.2f, want most but not all", share)
	}
	if rework == 0 {
		t.Errorf("no request was sent back")
	}
}

// checkRequest checks that r's events make a legal, timely history that
// ends in r's state.
func checkRequest(t *testing.T, ds *demo.Dataset, r grid.Request, events []grid.RequestEvent) {
	t.Helper()
	if len(events) == 0 || events[0].Action != "report" || !events[0].At.Equal(r.ReportedAt) {
		t.Errorf("request %d: history does not start with its report", r.ID)
		return
	}
	status := grid.RequestStatus("")
	var resolver, verifier int64
	for i, e := range events {
		if to, ok := legal[e.Action][e.From]; !ok || to != e.To || e.From != status {
			t.Errorf("request %d event %d: %s %s→%s after %q", r.ID, i, e.Action, e.From, e.To, status)
		}
		if i > 0 && !e.At.After(events[i-1].At) {
			t.Errorf("request %d event %d: time does not increase", r.ID, i)
		}
		if !e.At.Before(ds.Now) {
			t.Errorf("request %d event %d: in the future", r.ID, i)
		}
		switch e.Action {
		case "resolve":
			resolver = e.ActorID
		case "verify":
			verifier = e.ActorID
		}
		status = e.To
	}
	if status != r.Status || r.Version != len(events) {
		t.Errorf("request %d: status %s version %d, history ends in %s after %d events", r.ID, r.Status, r.Version, status, len(events))
	}
	if r.Status == grid.StatusVerified {
		if verifier == resolver || r.ResolvedBy != resolver || r.ClosedAt == nil || r.Satisfaction < 1 || r.Satisfaction > 5 {
			t.Errorf("request %d: resolved by %d (%d), verified by %d, closed %v, satisfaction %d",
				r.ID, resolver, r.ResolvedBy, verifier, r.ClosedAt, r.Satisfaction)
		}
	}
	sla := grid.OrdinaryResolveTime
	if r.Category == grid.CategoryComplex {
		sla = grid.ComplexResolveTime
	}
	if !r.ResponseDueAt.Equal(r.ReportedAt.Add(grid.ResponseTime)) || !r.DueAt.Equal(r.ReportedAt.Add(sla)) {
		t.Errorf("request %d: due dates do not follow its category", r.ID)
	}
	if r.ReportedAt.Before(ds.Now.AddDate(0, -18, 0)) {
		t.Errorf("request %d: reported more than 18 months ago", r.ID)
	}
	if r.LiaisonID == 0 && r.UnitID == 0 && r.AssignedAt != nil {
		t.Errorf("request %d: assigned to nobody", r.ID)
	}
}

func TestContactCompliance(t *testing.T) {
	ds, all := generate(t, 1)
	type key struct{ org, liaison int64 }
	logs := map[key][]grid.Contact{}
	for _, c := range all.Contacts {
		if !c.At.Before(ds.Now) {
			t.Errorf("contact %d in the future", c.ID)
		}
		logs[key{c.OrgID, c.LiaisonID}] = append(logs[key{c.OrgID, c.LiaisonID}], c)
	}
	assigned := map[key]grid.Assignment{}
	for _, a := range all.Assignments {
		assigned[key{a.OrgID, a.LiaisonID}] = a
	}
	for k, cs := range logs {
		a, ok := assigned[k]
		for _, c := range cs {
			if !ok || c.At.Before(a.ValidFrom) || (a.ValidTo != nil && !c.At.Before(*a.ValidTo)) {
				t.Errorf("contact %d: org %d liaison %d outside an assignment", c.ID, c.OrgID, c.LiaisonID)
			}
		}
	}
	var weeks, contacted, months, visited, overdue int
	for _, a := range all.Assignments {
		if a.ValidTo != nil {
			continue
		}
		cs := logs[key{a.OrgID, a.LiaisonID}]
		w, c := compliance(ds.Now, a.ValidFrom, 7*24*time.Hour, 52, grid.ContactCall, cs)
		weeks, contacted = weeks+w, contacted+c
		m, v := compliance(ds.Now, a.ValidFrom, 30*24*time.Hour, 12, grid.ContactVisit, cs)
		months, visited = months+m, visited+v
		if _, c := compliance(ds.Now, a.ValidFrom, 7*24*time.Hour, 1, grid.ContactCall, cs); c == 0 {
			overdue++
		}
	}
	t.Logf("contacts kept %d/%d weeks, visits %d/%d months, %d organizations overdue for contact",
		contacted, weeks, visited, months, overdue)
	if rate := float64(contacted) / float64(weeks); rate < 0.85 || rate > 0.95 {
		t.Errorf("weekly contact compliance %.3f over %d weeks, want about 0.90", rate, weeks)
	}
	if rate := float64(visited) / float64(months); rate < 0.85 || rate > 0.96 {
		t.Errorf("monthly visit compliance %.3f over %d months, want about 0.90", rate, months)
	}
	if overdue == 0 || overdue > len(all.Assignments)/5 {
		t.Errorf("%d organizations not contacted in the last week, want a few", overdue)
	}
}

// compliance counts the last n periods before now that lie inside the
// assignment (from on), and those of them with a log entry of the kind.
func compliance(now, from time.Time, period time.Duration, n int, kind grid.ContactKind, cs []grid.Contact) (periods, kept int) {
	for i := range n {
		end := now.Add(-time.Duration(i) * period)
		start := end.Add(-period)
		if start.Before(from) {
			break
		}
		periods++
		for _, c := range cs {
			if c.Kind == kind && !c.At.Before(start) && c.At.Before(end) {
				kept++
				break
			}
		}
	}
	return periods, kept
}

func TestUsers(t *testing.T) {
	ds, all := generate(t, 1)
	valid := regexp.MustCompile(`^[a-z0-9_.-]{2,40}$`)
	roles := map[grid.Role]int{}
	seen := map[string]bool{}
	for i, u := range ds.Users {
		roles[u.Role]++
		if u.ID != int64(i+1) || !valid.MatchString(u.Username) || seen[u.Username] || u.DisplayName == "" {
			t.Errorf("user %d %q (%q): bad id, name or duplicate", u.ID, u.Username, u.DisplayName)
		}
		seen[u.Username] = true
		switch u.Role {
		case grid.RoleOfficer:
			if len(u.GridIDs) != 1 {
				t.Errorf("officer %s: grids %v", u.Username, u.GridIDs)
			}
		case grid.RoleLiaison:
			if u.LiaisonID < 1 || u.LiaisonID > int64(len(all.Liaisons)) {
				t.Errorf("liaison user %s: liaison %d", u.Username, u.LiaisonID)
			}
		}
	}
	want := map[grid.Role]int{grid.RoleAdmin: 1, grid.RoleOfficer: 6, grid.RolePlanner: 1, grid.RoleLiaison: 36}
	for role, n := range want {
		if roles[role] != n {
			t.Errorf("%d users of role %s, want %d", roles[role], role, n)
		}
	}
	for _, name := range []string{"admin", "planner", "officer-g01", "officer-g06", "liaison-01", "liaison-36"} {
		if !seen[name] {
			t.Errorf("no user %s", name)
		}
	}
}

// At scale, every table's ids run 1..n and every reference stays inside
// its own batch.
func TestScaleKeepsIDsAndReferences(t *testing.T) {
	const scale = 3
	ds := demo.Generate(demo.Options{Now: now, Scale: scale})
	all := ds.Collect()
	counts := []struct {
		name      string
		got, want int
	}{
		{"organizations", len(all.Orgs), scale * demo.OrgsPerScale},
		{"liaisons", len(all.Liaisons), scale * demo.LiaisonsPerScale},
		{"requests", len(all.Requests), scale * demo.RequestsPerScale},
		{"users", len(ds.Users), 44},
	}
	for _, c := range counts {
		if c.got != c.want {
			t.Errorf("%s: %d, want %d", c.name, c.got, c.want)
		}
	}
	checkIDs(t, "organizations", len(all.Orgs), func(i int) int64 { return all.Orgs[i].ID })
	checkIDs(t, "liaisons", len(all.Liaisons), func(i int) int64 { return all.Liaisons[i].ID })
	checkIDs(t, "assignments", len(all.Assignments), func(i int) int64 { return all.Assignments[i].ID })
	checkIDs(t, "contacts", len(all.Contacts), func(i int) int64 { return all.Contacts[i].ID })
	checkIDs(t, "requests", len(all.Requests), func(i int) int64 { return all.Requests[i].ID })
	checkIDs(t, "events", len(all.Events), func(i int) int64 { return all.Events[i].ID })

	codes, names := map[string]bool{}, map[string]bool{}
	for _, o := range all.Orgs {
		if codes[o.USCC] || names[o.Name] {
			t.Errorf("%s (%s): duplicate across batches", o.Name, o.USCC)
		}
		codes[o.USCC], names[o.Name] = true, true
	}
	batchOf := func(id int64, per int) int64 { return (id - 1) / int64(per) }
	for _, a := range all.Assignments {
		if batchOf(a.OrgID, demo.OrgsPerScale) != batchOf(a.LiaisonID, demo.LiaisonsPerScale) {
			t.Errorf("assignment %d crosses batches", a.ID)
		}
	}
	for _, r := range all.Requests {
		b := batchOf(r.ID, demo.RequestsPerScale)
		if batchOf(r.OrgID, demo.OrgsPerScale) != b || (r.LiaisonID != 0 && batchOf(r.LiaisonID, demo.LiaisonsPerScale) != b) {
			t.Errorf("request %d refers to another batch", r.ID)
		}
	}
}

func checkIDs(t *testing.T, table string, n int, id func(int) int64) {
	t.Helper()
	for i := range n {
		if id(i) != int64(i+1) {
			t.Errorf("%s: row %d has id %d, want 1..n in order", table, i, id(i))
			return
		}
	}
}

package postgis

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"gridgis/geo"
	"gridgis/grid"
)

// readsAssignment finds the active assignment's alias in SQL text.
var readsAssignment = regexp.MustCompile(`\ba\.`)

// CountOrgs joins the active assignment exactly when its conditions read
// it: never for an admin's or an officer's plain count (the join was a
// hash of every active assignment, for nothing), always for a liaison's
// scope, the liaison filter, gaps and overdue flags.
func TestCountOrgsJoinsAssignmentOnlyWhenRead(t *testing.T) {
	id := int64(5)
	contact := grid.ContactCall
	retired := "retired"
	scopes := map[string]grid.Scope{
		"admin":   {All: true, ZoneID: 1},
		"officer": {GridIDs: []int64{2, 3}, ZoneID: 1},
		"liaison": {LiaisonID: 4, ZoneID: 1},
	}
	filters := map[string]grid.OrgFilter{
		"plain":     {},
		"bbox":      {BBox: &geo.BBox{MinLon: 1, MinLat: 2, MaxLon: 3, MaxLat: 4}},
		"grid":      {GridID: &id},
		"one":       {ID: &id, Status: retired},
		"unlocated": {Located: new(bool)},
		"liaison":   {LiaisonID: &id},
		"overdue":   {Overdue: &contact},
	}
	for _, ind := range grid.Indicators {
		filters["gap "+string(ind)] = grid.OrgFilter{Gap: &ind}
	}
	now := time.Date(2026, 3, 15, 10, 0, 0, 0, time.UTC)
	for sname, s := range scopes {
		for fname, f := range filters {
			f.Scope = s
			sql, _, err := countOrgsSQL(f, now)
			if err != nil {
				t.Fatalf("%s %s: %v", sname, fname, err)
			}
			joined := strings.Contains(sql, "JOIN assignment a")
			where := sql[strings.Index(sql, "WHERE"):]
			if read := readsAssignment.MatchString(where); read && !joined {
				t.Errorf("%s %s: reads the assignment without the join: %s", sname, fname, sql)
			}
			plain := sname != "liaison" && (fname == "plain" || fname == "bbox" || fname == "grid" || fname == "one" || fname == "unlocated")
			if plain && joined {
				t.Errorf("%s %s: joins the assignment for nothing: %s", sname, fname, sql)
			}
		}
	}
}

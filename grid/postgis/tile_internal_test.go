package postgis

import (
	"strings"
	"testing"

	"gridgis/geo"
	"gridgis/grid"
)

// The aggregating tile queries join the active assignment only when the
// scope condition reads it; this keeps that shortcut in step with
// scopeCond and requestScopeCond.
func TestScopeReadsAssignment(t *testing.T) {
	for _, s := range []grid.Scope{
		{}, {All: true}, {GridIDs: []int64{1, 2}}, {LiaisonID: 7}, {All: true, LiaisonID: 7},
		{GridIDs: []int64{3}, LiaisonID: 7},
	} {
		w := &where{}
		for name, cond := range map[string]string{
			"scopeCond": scopeCond(s, w.bind), "requestScopeCond": requestScopeCond(s, w.bind),
		} {
			if reads := strings.Contains(cond, "a."); reads != scopeReadsAssignment(s) {
				t.Errorf("%s(%+v) = %q reads a: %v; scopeReadsAssignment says %v", name, s, cond, reads, scopeReadsAssignment(s))
			}
		}
	}
}

// Tile queries bind every value: the SQL text is the same whatever the
// tile and scope.
func TestTileSQLBindsValues(t *testing.T) {
	for _, layer := range grid.TileLayers {
		for _, z := range []int{3, grid.ClusterBelowZoom} {
			a := tileSQLText(layer, z, 1, 2, grid.Scope{GridIDs: []int64{987654321}})
			b := tileSQLText(layer, z, 5, 6, grid.Scope{GridIDs: []int64{876543219, 765432198}})
			if a != b {
				t.Errorf("%s z%d: SQL text depends on values:\n%s\n---\n%s", layer, z, a, b)
			}
			for _, v := range []string{"987654321", "876543219"} {
				if strings.Contains(a, v) || strings.Contains(b, v) {
					t.Errorf("%s z%d: a value is in the SQL text", layer, z)
				}
			}
		}
	}
}

func tileSQLText(layer grid.TileLayer, z, x, y int, s grid.Scope) string {
	t := geo.Tile{Z: z, X: x, Y: y}
	switch layer {
	case grid.LayerGrids:
		sql, _ := gridTile(t, grid.Scope{All: true})
		return sql
	case grid.LayerOrganizations:
		sql, _ := orgTile(t, s)
		return sql
	}
	sql, _ := requestTile(t, s, "now")
	return sql
}

package report

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"gridgis/grid"
)

// unlocatedFeature is an organization layer Feature of an organization
// imported without coordinates (organization.geom NULL).
const unlocatedFeature = `{"type":"Feature","id":9,"geometry":null,"properties":{"name":"无坐标企业",
"uscc":"91370100MA3C5LRX4K","kind":"enterprise","industry":"软件","employees":1,"party_members":0,
"party_org":"none","high_tech":false,"specialized":false,"address":"","zone_id":1,"grid_id":null,
"grid_reason":null,"liaison_id":null,"last_contact_at":null,"last_visit_at":null,
"contact_overdue":false,"visit_overdue":false}}`

func TestOrgFromFeatureUnlocated(t *testing.T) {
	o, err := OrgFromFeature(grid.Feature{ID: 9, JSON: []byte(unlocatedFeature)}, Names{})
	if err != nil {
		t.Fatal(err)
	}
	if !o.Unlocated || o.Name != "无坐标企业" {
		t.Errorf("got %+v, want an unlocated organization", o)
	}
	located, err := OrgFromFeature(grid.Feature{ID: 9, JSON: []byte(strings.Replace(unlocatedFeature,
		`"geometry":null`, `"geometry":{"type":"Point","coordinates":[0,0]}`, 1))}, Names{})
	if err != nil || located.Unlocated {
		t.Errorf("a point at (0,0) is a location: %+v %v", located, err)
	}
}

// unlocatedOrgs are a located organization and one without coordinates.
func unlocatedOrgs() []Org {
	orgs := testOrgs()[:2]
	orgs[1].Name = "无坐标企业"
	orgs[1].Unlocated = true
	orgs[1].Location = [2]float64{}
	return orgs
}

// TestOrgsUnlocated: an organization without coordinates is never written
// at (0,0): empty coordinate cells, a null geometry, a Placemark without
// a Point.
func TestOrgsUnlocated(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteOrgsCSV(&buf, Values(unlocatedOrgs())); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(buf.String(), bom))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if r := recs[2]; r[8] != "" || r[9] != "" {
		t.Errorf("CSV 经度/纬度 of an unlocated organization = %q %q, want empty", r[8], r[9])
	}
	if r := recs[1]; r[8] == "" || r[9] == "" {
		t.Errorf("CSV lost a located organization's coordinates: %q", r)
	}

	buf.Reset()
	if err := WriteOrgsXLSX(&buf, "名录", Values(unlocatedOrgs())); err != nil {
		t.Fatal(err)
	}
	f := openXLSX(t, buf.Bytes())
	if lon, lat := cell(t, f, "企业名录", "I4"), cell(t, f, "企业名录", "J4"); lon != "" || lat != "" {
		t.Errorf("XLSX 经度/纬度 = %q %q, want empty", lon, lat)
	}
	if lon := cell(t, f, "企业名录", "I3"); lon != "117.123457" {
		t.Errorf("XLSX located 经度 = %q", lon)
	}

	for _, orgs := range [][]Org{unlocatedOrgs(), unlocatedOrgs()[1:]} {
		buf.Reset()
		if err := WriteOrgsGeoJSON(&buf, Values(orgs)); err != nil {
			t.Fatal(err)
		}
		var fc struct {
			Features []map[string]json.RawMessage
			BBox     []float64
		}
		if err := json.Unmarshal(buf.Bytes(), &fc); err != nil {
			t.Fatalf("not JSON: %v\n%s", err, buf.Bytes())
		}
		last := fc.Features[len(fc.Features)-1]
		if g, ok := last["geometry"]; !ok || string(g) != "null" {
			t.Errorf("GeoJSON geometry = %s (present %v), want null", g, ok)
		}
		if len(orgs) == 2 && !slices.Equal(fc.BBox, []float64{117.123457, 36.654321, 117.123457, 36.654321}) {
			t.Errorf("bbox %v, want the located organizations' only", fc.BBox)
		}
		if len(orgs) == 1 && fc.BBox != nil {
			t.Errorf("bbox %v of no located organization, want none", fc.BBox)
		}
		path := writeTemp(t, "orgs.geojson", buf.Bytes())
		checkContains(t, "ogrinfo", ogrinfo(t, path, "-al"), "name (String) = 无坐标企业")
	}

	buf.Reset()
	if err := WriteOrgsKML(&buf, "名录", Values(unlocatedOrgs())); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(buf.String(), "<Point>"); n != 1 {
		t.Errorf("%d Points, want one (the located organization's)", n)
	}
	if n := strings.Count(buf.String(), "<Placemark>"); n != 2 {
		t.Errorf("%d Placemarks, want both organizations listed", n)
	}
	path := writeTemp(t, "orgs.kml", buf.Bytes())
	checkContains(t, "ogrinfo -so", ogrinfo(t, path, "-al", "-so"), "Feature Count: 2")
}

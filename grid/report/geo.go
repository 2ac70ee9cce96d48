package report

import (
	"bufio"
	"encoding/json"
	"encoding/xml"
	"io"
	"iter"
	"strconv"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
	"github.com/twpayne/go-geom"
	geomkml "github.com/twpayne/go-geom/encoding/kml"
	"github.com/twpayne/go-kml/v3"
)

// WriteOrgsGeoJSON writes organizations as a GeoJSON FeatureCollection
// in WGS84, streamed one Feature at a time, ending with numberReturned
// and the bbox of the located ones (as geo.FeatureWriter closes a layer).
// Properties keep the API's keys and codes (kind "enterprise", party_org
// "joint"), as the organization layer has them, with the grid's and
// liaison's names added. An unlocated organization has a null geometry.
func WriteOrgsGeoJSON(w io.Writer, orgs iter.Seq2[Org, error]) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	if _, err := bw.WriteString(`{"type":"FeatureCollection","features":[`); err != nil {
		return err
	}
	n, box, located := 0, orb.Bound{}, false
	for o, err := range orgs {
		if err != nil {
			return err
		}
		f := geojson.NewFeature(nil) // null geometry unless located
		if !o.Unlocated {
			at := orb.Point{round6(o.Location.Lon()), round6(o.Location.Lat())}
			f.Geometry = at
			if !located {
				box = at.Bound()
			}
			box, located = box.Extend(at), true
		}
		f.ID = o.ID
		f.Properties = geojson.Properties{
			"name": o.Name, "uscc": o.USCC, "kind": o.Kind, "industry": o.Industry,
			"employees": o.Employees, "party_members": o.PartyMembers, "party_org": o.PartyOrg,
			"high_tech": o.HighTech, "specialized": o.Specialized, "address": o.Address,
			"zone_id": o.ZoneID, "grid_id": nullID(o.GridID), "grid_name": o.GridName, "grid_reason": o.GridReason,
			"liaison_id": nullID(o.LiaisonID), "liaison_name": o.LiaisonName, "active": o.Active,
		}
		b, err := f.MarshalJSON()
		if err != nil {
			return err
		}
		if n > 0 {
			if err := bw.WriteByte(','); err != nil {
				return err
			}
		}
		if _, err := bw.Write(b); err != nil {
			return err
		}
		n++
	}
	tail := map[string]any{"numberReturned": n}
	if located {
		tail["bbox"] = [4]float64{box.Left(), box.Bottom(), box.Right(), box.Top()}
	}
	b, err := json.Marshal(tail)
	if err != nil {
		return err
	}
	// b is {"...":...}: its opening brace becomes the comma that goes on.
	if _, err := bw.WriteString("],"); err != nil {
		return err
	}
	if _, err := bw.Write(b[1:]); err != nil {
		return err
	}
	return bw.Flush()
}

// nullID is id, or nil (JSON null) for 0, the domain's "none".
func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// kmlHead opens a KML document; Placemarks follow, one at a time.
const kmlHead = xml.Header + `<kml xmlns="` + kml.Namespace + `"><Document>`

// WriteOrgsKML writes organizations as KML Placemarks in WGS84 (KML's
// only datum), named by the organization, with their register columns as
// ExtendedData under Chinese display names, which Google Earth and 奥维
// show in the balloon. Points are encoded by go-geom; the document is
// streamed one Placemark at a time.
func WriteOrgsKML(w io.Writer, title string, orgs iter.Seq2[Org, error]) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	if _, err := bw.WriteString(kmlHead); err != nil {
		return err
	}
	enc := xml.NewEncoder(bw)
	if err := enc.Encode(kml.Name(title)); err != nil {
		return err
	}
	data := func(name, display, value string) kml.Element {
		return kml.Data(name, kml.DisplayName(display), kml.Value(value))
	}
	for o, err := range orgs {
		if err != nil {
			return err
		}
		pm := kml.Placemark(
			kml.Name(o.Name),
			kml.Description(o.Address),
			kml.ExtendedData(
				data("uscc", "统一社会信用代码", o.USCC),
				data("kind", "类型", label(kindLabels, o.Kind)),
				data("industry", "行业", o.Industry),
				data("grid", "网格", o.GridName),
				data("liaison", "联络员", o.LiaisonName),
				data("address", "地址", o.Address),
				data("employees", "从业人员", strconv.Itoa(o.Employees)),
				data("party_members", "党员人数", strconv.Itoa(o.PartyMembers)),
				data("party_org", "党组织情况", label(partyOrgLabels, o.PartyOrg)),
			),
		)
		// An unlocated organization stays in the register, as a
		// Placemark without a Point (KML's geometry is optional).
		if !o.Unlocated {
			p := geom.NewPointFlat(geom.XY, []float64{round6(o.Location.Lon()), round6(o.Location.Lat())})
			pm.Children = append(pm.Children, geomkml.EncodePoint(p))
		}
		if err := enc.Encode(pm); err != nil {
			return err
		}
	}
	if _, err := bw.WriteString("</Document></kml>\n"); err != nil {
		return err
	}
	return bw.Flush()
}

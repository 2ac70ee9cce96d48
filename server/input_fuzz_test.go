package server

import (
	"encoding/json"
	"errors"
	"math"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"

	"gridgis/geo"
	"gridgis/grid"
)

// fuzzApp is a bare Fiber app whose contexts the parsers read.
var fuzzApp = fiber.New()

// withCtx runs f on a Fiber context for a request to uri with the given
// body and Content-Type.
func withCtx(uri, contentType string, body []byte, f func(c *fiber.Ctx)) {
	var rc fasthttp.RequestCtx
	rc.Request.SetRequestURI(uri)
	rc.Request.Header.SetMethod(fiber.MethodPost)
	rc.Request.Header.SetContentType(contentType)
	rc.Request.SetBody(body)
	c := fuzzApp.AcquireCtx(&rc)
	defer fuzzApp.ReleaseCtx(c)
	f(c)
}

// namesField fails t unless err is an EInvalid *grid.Error naming a
// field, the shape every 400 problem has.
func namesField(t *testing.T, what string, err error) {
	t.Helper()
	var e *grid.Error
	if !errors.As(err, &e) || e.Code != grid.EInvalid || e.Field == "" {
		t.Fatalf("%s: error %#v is not an invalid-input error naming a field", what, err)
	}
}

// fuzzBody is a request body with the kinds of members the API reads.
type fuzzBody struct {
	Name    string           `json:"name"`
	Count   *int             `json:"count"`
	ID      int64            `json:"id"`
	Ratio   *float64         `json:"ratio"`
	Flag    *bool            `json:"flag"`
	Raw     json.RawMessage  `json:"raw"`
	Nested  *struct{ N int } `json:"nested"`
	Strings []string         `json:"strings"`
}

// FuzzDecodeJSON: decodeJSON either refuses a body with an invalid-input
// error naming a field, or accepts a single well-formed JSON value whose
// decoding survives a round trip.
func FuzzDecodeJSON(f *testing.F) {
	for _, s := range []string{`{"name":"a","count":1}`, `[]`, `null`, `{"name":"a"} {}`, `{"name":`, `{"count":1e400}`,
		`{"count":99999999999999999999}`, `{"id":1.5}`, `{"nested":{"N":"x"}}`, `{"unknown":1}`, `{"name":"\u0000\ud800"}`,
		`{"name":"a","name":"b"}`, `"str"`, `{"raw":[[[[[]]]]]}`, ` `, `{"strings":[1]}`, "{\"name\":\"\xff\"}"} {
		f.Add([]byte(s), fiber.MIMEApplicationJSON)
	}
	f.Add([]byte(`{}`), "text/plain")
	f.Add([]byte(`{}`), "application/jsonx")
	f.Fuzz(func(t *testing.T, body []byte, contentType string) {
		var v fuzzBody
		var err error
		withCtx("/", contentType, body, func(c *fiber.Ctx) { err = decodeJSON(c, &v) })
		if err != nil {
			namesField(t, "decodeJSON", err)
			return
		}
		if !strings.HasPrefix(contentType, fiber.MIMEApplicationJSON) || !json.Valid(body) {
			t.Fatalf("accepted %q as %q", body, contentType)
		}
		again, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		var w fuzzBody
		if err := json.Unmarshal(again, &w); err != nil || !reflect.DeepEqual(normalRaw(v), normalRaw(w)) {
			t.Fatalf("%q: %+v does not survive a round trip: %+v, %v", body, v, w, err)
		}
	})
}

// normalRaw compacts the raw member, which a round trip may reformat.
func normalRaw(v fuzzBody) fuzzBody {
	if string(v.Raw) == "null" {
		v.Raw = nil // absent and null both marshal as null
	}
	if v.Raw != nil {
		var b strings.Builder
		var x any
		_ = json.Unmarshal(v.Raw, &x)
		out, _ := json.Marshal(x)
		b.Write(out)
		v.Raw = json.RawMessage(b.String())
	}
	return v
}

// FuzzQueryParams runs the query strings of the map layers through
// their parsers: a refusal names the parameter; accepted values are
// within their bounds.
func FuzzQueryParams(f *testing.F) {
	for _, s := range []string{"", "bbox=113,33,114,34&limit=10", "limit=1e20", "limit=0", "limit=1&limit=2", "cursor=!!!",
		"cursor=" + encodeCursor(5), "q=%00", "q=%ff", "industry=" + strings.Repeat("a", 51), "grid=9223372036854775808",
		"grid=-1", "kind=enterprise", "overdue=visit", "party_org=x", "liaison=1&q=%E4%B8%AD", "debug=1", "status=open&overdue=true",
		"overdue=1", "bbox=NaN,0,1,1", "%zz=1", "limit=+5", "limit=0010000", "=0", "&&="} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, qs string) {
		withCtx("/x?"+qs, "", nil, func(c *fiber.Ctx) {
			of, err := parseOrgFilter(c)
			if err != nil {
				namesField(t, qs, err)
			} else {
				checkOrgFilter(t, qs, of)
			}
			if err := allowParams(c, "status", "grid", "overdue", "bbox", "limit", "cursor"); err == nil {
				if _, err := enumParam(c, "status", requestStatusFilters); err != nil {
					namesField(t, qs, err)
				}
				if _, err := boolParam(c, "overdue"); err != nil {
					namesField(t, qs, err)
				}
			} else {
				namesField(t, qs, err)
			}
			before, err := intParam(c, "before", 0, 0, math.MaxInt)
			if err != nil {
				namesField(t, qs, err)
			} else if before < 0 {
				t.Fatalf("%q: accepted before %d", qs, before)
			}
		})
	})
}

func checkOrgFilter(t *testing.T, qs string, f grid.OrgFilter) {
	t.Helper()
	switch {
	case f.Limit < 1 || f.Limit > maxOrgLimit || f.AfterID < 0:
		t.Fatalf("%q: accepted limit %d after %d", qs, f.Limit, f.AfterID)
	case f.GridID != nil && *f.GridID <= 0, f.LiaisonID != nil && *f.LiaisonID <= 0:
		t.Fatalf("%q: accepted ids %v %v", qs, f.GridID, f.LiaisonID)
	case f.Kind != nil && !slices.Contains(grid.OrgKinds, *f.Kind), f.PartyOrg != nil && !slices.Contains(grid.PartyOrgs, *f.PartyOrg),
		f.Overdue != nil && !slices.Contains(grid.ContactKinds, *f.Overdue):
		t.Fatalf("%q: accepted an unknown enum value", qs)
	}
	for _, p := range []*string{f.Query, f.Industry} {
		if p != nil && (!utf8.ValidString(*p) || strings.ContainsRune(*p, 0) || utf8.RuneCountInString(*p) > 100 || *p == "") {
			t.Fatalf("%q: accepted text %q", qs, *p)
		}
	}
	if b := f.BBox; b != nil {
		if _, err := geo.ParseBBox(b.String()); err != nil {
			t.Fatalf("%q: accepted bbox %v: %v", qs, *b, err)
		}
	}
}

// FuzzCursor: every positive id survives its cursor, and whatever a
// client sends as a cursor is refused by name or read as a positive id.
func FuzzCursor(f *testing.F) {
	f.Add(int64(1), encodeCursor(42))
	f.Add(int64(math.MaxInt64), "!!!")
	f.Add(int64(-5), encodeCursor(-5))
	f.Add(int64(0), "OTIyMzM3MjAzNjg1NDc3NTgwOA") // 9223372036854775808
	f.Add(int64(7), "MDA3")                       // 007
	f.Fuzz(func(t *testing.T, id int64, raw string) {
		if id > 0 {
			withCtx("/x?cursor="+encodeCursor(id), "", nil, func(c *fiber.Ctx) {
				if got, err := decodeCursor(c); err != nil || got != id {
					t.Fatalf("cursor of %d reads back as %d, %v", id, got, err)
				}
			})
		}
		withCtx("/x?cursor="+url.QueryEscape(raw), "", nil, func(c *fiber.Ctx) {
			got, err := decodeCursor(c)
			switch {
			case err != nil:
				namesField(t, raw, err)
			case raw == "" && got != 0, raw != "" && got <= 0:
				t.Fatalf("cursor %q read as %d", raw, got)
			}
		})
	})
}

// FuzzOGCParams: OGC API's bbox, bbox-crs, limit and f are refused by
// name or accepted within bounds.
func FuzzOGCParams(f *testing.F) {
	for _, s := range []string{"", "limit=99999999999999999999", "limit=-99999999999999999999", "limit=1.5", "limit=0",
		"bbox=113,33,0,114,34,10", "bbox=113,33,NaN,114,34,0", "bbox-crs=EPSG:4326", "bbox-crs=" + url.QueryEscape(crs84),
		"f=xml", "f=geojson", "datetime=2025-01-01", "bbox=1,2,3,4,5", "cursor=" + encodeCursor(9)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, qs string) {
		withCtx("/x?"+qs, "", nil, func(c *fiber.Ctx) {
			if err := ogcFormat(c, geoJSONFormats, "bbox", "bbox-crs", "limit", "cursor"); err != nil {
				namesField(t, qs, err)
			} else if f := c.Query("f"); f != "" && !slices.Contains(geoJSONFormats, f) {
				t.Fatalf("%q: accepted f=%q", qs, f)
			}
			if b, err := ogcBBox(c); err != nil {
				namesField(t, qs, err)
			} else if b != nil {
				if _, err := geo.ParseBBox(b.String()); err != nil {
					t.Fatalf("%q: accepted bbox %v: %v", qs, *b, err)
				}
			}
			if limit, err := ogcLimit(c); err != nil {
				namesField(t, qs, err)
			} else if limit < 1 || limit > maxOGCLimit {
				t.Fatalf("%q: accepted limit %d", qs, limit)
			}
		})
	})
}

// FuzzETagMatches: If-None-Match matches only a listed tag (strong or
// weak) or *, and always matches when the tag is listed.
func FuzzETagMatches(f *testing.F) {
	f.Add(`"abc"`, `"abc"`)
	f.Add(`W/"abc", "def"`, `"abc"`)
	f.Add(`*`, `"x-gzip"`)
	f.Add(`,,, ,`, `"a"`)
	f.Add("\"abc\"\x00", `"abc"`)
	f.Fuzz(func(t *testing.T, header, etag string) {
		if etag == "" || strings.Contains(etag, ",") || strings.IndexFunc(etag, unicode.IsSpace) >= 0 {
			return // not a tag this server makes (a list splits on commas and trims any space, U+3000 too)
		}
		if etagMatches(header, etag) && !strings.Contains(header, etag) && !strings.Contains(header, "*") {
			t.Fatalf("%q matches %q", header, etag)
		}
		if !etagMatches(header+", "+etag, etag) || !etagMatches("W/"+etag, etag) {
			t.Fatalf("listing %q in %q does not match", etag, header)
		}
	})
}

// FuzzLiaisonInput: a PUT .../liaison body either names the bad field
// or asks for no liaison or a positive liaison id.
func FuzzLiaisonInput(f *testing.F) {
	for _, s := range []string{`{"liaison_id":1}`, `{"liaison_id":null}`, `{}`, `{"liaison_id":1e30}`, `{"liaison_id":"1"}`,
		`{"liaison_id":-1,"pinned":true}`, `{"":null}`, `{"liaison_id":9223372036854775808}`, `{"liaison_id":  null  ,"pinned":"yes"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		withCtx("/x", fiber.MIMEApplicationJSON, body, func(c *fiber.Ctx) {
			var in liaisonInput
			if err := decodeJSON(c, &in); err != nil {
				namesField(t, string(body), err)
				return
			}
			ch, err := in.change()
			if err != nil {
				namesField(t, string(body), err)
				return
			}
			if ch.LiaisonID != nil && *ch.LiaisonID <= 0 {
				t.Fatalf("%s: accepted liaison %d", body, *ch.LiaisonID)
			}
		})
	})
}

// fuzzRoutes is an app with the routes whose path parameters are parsed,
// each answering what it read.
var fuzzRoutes = func() *fiber.App {
	app := fiber.New(fiber.Config{ErrorHandler: func(c *fiber.Ctx, err error) error {
		var ge *grid.Error
		var fe *fiber.Error
		switch {
		case errors.As(err, &ge):
			return c.Status(400).SendString("invalid " + ge.Field)
		case errors.As(err, &fe):
			return c.Status(fe.Code).SendString(fe.Message)
		}
		return c.Status(599).SendString(err.Error())
	}})
	app.Get("/orgs/:id", func(c *fiber.Ctx) error {
		id, err := pathID(c)
		if err != nil {
			return err
		}
		return c.SendString("id " + strconv.FormatInt(id, 10))
	})
	app.Get("/tiles/:layer/:z/:x/:y.mvt", func(c *fiber.Ctx) error {
		layer, err := tileLayerParam(c)
		if err != nil {
			return err
		}
		tile, err := geo.ParseTile(c.Params("z"), c.Params("x"), c.Params("y"))
		if err != nil {
			var ce *geo.TileCoordError
			if errors.As(err, &ce) {
				return grid.Invalid(ce.Coord, "%s", ce.Reason)
			}
			return err
		}
		return c.SendString("tile " + string(layer) + " " + tile.String())
	})
	return app
}()

// FuzzPathParams routes arbitrary paths to the id and tile routes: every
// answer is a parsed value or a 400 naming the parameter (or 404 for no
// route), and a parsed value is in range.
func FuzzPathParams(f *testing.F) {
	for _, s := range []string{"/orgs/1", "/orgs/0", "/orgs/9223372036854775808", "/orgs/-1", "/orgs/1e3", "/orgs/%00",
		"/tiles/organizations/3/1/2.mvt", "/tiles/organizations/21/0/0.mvt", "/tiles/x/0/0/0.mvt", "/tiles/grids/99999999999/0/0.mvt",
		"/tiles/grids/1/1/1.pbf", "/tiles/requests/%2e%2e/0/0.mvt", "/tiles/grids/0/0/0.mvt.mvt", "/orgs/1/../2"} {
		f.Add(s)
	}
	handler := fuzzRoutes.Handler()
	f.Fuzz(func(t *testing.T, path string) {
		var rc fasthttp.RequestCtx
		rc.Request.Header.SetMethod(fiber.MethodGet)
		rc.Request.SetRequestURI(path)
		handler(&rc)
		status, body := rc.Response.StatusCode(), string(rc.Response.Body())
		switch {
		case status == 404:
		case status == 400 && slices.Contains([]string{"invalid id", "invalid layer", "invalid z", "invalid x", "invalid y"}, body):
		case status == 200 && strings.HasPrefix(body, "id "):
			if id, err := strconv.ParseInt(strings.TrimPrefix(body, "id "), 10, 64); err != nil || id <= 0 {
				t.Fatalf("%q: read id %q", path, body)
			}
		case status == 200 && strings.HasPrefix(body, "tile "):
			var layer string
			var tile geo.Tile
			if _, err := fmtSscan(body, &layer, &tile); err != nil || !grid.ValidTileLayer(layer) || tile.Validate() != nil {
				t.Fatalf("%q: read %q", path, body)
			}
		default:
			t.Fatalf("%q: answered %d %q", path, status, body)
		}
	})
}

// fmtSscan reads "tile layer z/x/y".
func fmtSscan(s string, layer *string, tile *geo.Tile) (int, error) {
	parts := strings.Fields(s)
	if len(parts) != 3 {
		return 0, errors.New("want 3 fields")
	}
	*layer = parts[1]
	zxy := strings.Split(parts[2], "/")
	if len(zxy) != 3 {
		return 0, errors.New("want z/x/y")
	}
	t, err := geo.ParseTile(zxy[0], zxy[1], zxy[2])
	*tile = t
	return 3, err
}

// FuzzLastEventID: whatever Last-Event-ID a client sends, it is queued a
// single resync or exactly the events after the one it names, in order.
func FuzzLastEventID(f *testing.F) {
	f.Add(true, "-5")
	f.Add(true, "-0")
	f.Add(true, "-10")
	f.Add(true, "-99999999999999999999")
	f.Add(true, "--1")
	f.Add(false, "garbage")
	f.Add(false, "")
	f.Fuzz(func(t *testing.T, ours bool, rest string) {
		h := newHub()
		for i := 0; i < 10; i++ {
			h.send(message{event: "test", data: []byte(strconv.Itoa(i))})
		}
		lastID := rest
		if ours {
			lastID = h.epoch + rest
		}
		sub := h.subscribe(grid.User{ID: 1, Role: grid.RoleAdmin}, lastID)
		if sub == nil {
			t.Fatal("no subscriber")
		}
		defer h.unsubscribe(sub)
		var got []message
		for len(sub.ch) > 0 {
			got = append(got, <-sub.ch)
		}
		if len(got) == 1 && got[0].event == "resync" || lastID == "" && len(got) == 0 {
			return
		}
		seq, err := strconv.ParseInt(strings.TrimPrefix(lastID, h.epoch+"-"), 10, 64)
		if err != nil || seq < 0 || seq > 10 || int64(len(got)) != 10-seq {
			t.Fatalf("Last-Event-ID %q: queued %d events", lastID, len(got))
		}
		for i, m := range got {
			if m.seq != seq+int64(i)+1 {
				t.Fatalf("Last-Event-ID %q: event %d has seq %d", lastID, i, m.seq)
			}
		}
	})
}

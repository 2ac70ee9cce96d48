package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"math"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"gridgis/geo"
	"gridgis/grid"
)

// OGC API – Features, Part 1 (OGC 17-069r4): the conformance classes
// served under /ogc.
var ogcConformance = []string{
	"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
	"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
	"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
}

const (
	// crs84 is WGS84 longitude, latitude: the only CRS of Part 1 core.
	crs84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
	// openAPIMediaType is the media type of the OpenAPI 3.0 document.
	openAPIMediaType = "application/vnd.oai.openapi+json;version=3.0"
	// Page sizes of /items. The API document advertises both; a larger
	// limit is served as the maximum, as the standard asks.
	defaultOGCLimit = 100
	maxOGCLimit     = 10000
)

// ogcQuery is one read of a collection, parsed from the request.
type ogcQuery struct {
	scope   grid.Scope
	id      *int64
	bbox    *geo.BBox
	afterID int64
	// limit is what the store is asked for: 0 for no limit, else the page
	// size plus one, the extra row only telling that a next page exists.
	limit int
}

// ogcCollection is one feature collection and how the store reads it.
// Its features are those of the matching /api/v1 layer, byte for byte.
type ogcCollection struct {
	id, title, description string
	each                   func(ctx context.Context, q ogcQuery, emit grid.FeatureFunc) error
	count                  func(ctx context.Context, q ogcQuery) (int64, error)
}

// ogcAPI serves the /ogc routes.
type ogcAPI struct {
	s           *Server
	collections []ogcCollection
	// doc is the OpenAPI document, built once.
	doc []byte
}

// ogcRoutes registers OGC API – Features under /ogc. Every route needs a
// signed-in user or an API token, which is how GDAL and QGIS connect.
func (s *Server) ogcRoutes() {
	o := &ogcAPI{s: s, collections: s.ogcCollections()}
	o.doc = openAPIDocument(o.collectionIDs())
	g := s.app.Group("/ogc", sameOrigin, s.authenticate, allow(grid.ReadZone))
	g.Get("", o.landing)
	g.Get("/conformance", o.conformance)
	g.Get("/api", o.apiDocument)
	g.Get("/collections", o.listCollections)
	g.Get("/collections/:collectionId", o.getCollection)
	g.Get("/collections/:collectionId/items", s.limitHeavy(ogcItemsHeavy), o.items)
	g.Get("/collections/:collectionId/items/:featureId", o.item)
	g.Use(func(c *fiber.Ctx) error {
		return grid.Errorf(grid.ENotFound, "no OGC API route %s %s", c.Method(), c.Path())
	})
}

// ogcCollections lists the collections in the order they are served.
func (s *Server) ogcCollections() []ogcCollection {
	return []ogcCollection{
		{
			id:          "grids",
			title:       "产业网格 / Industry grids",
			description: "产业网格及其网格员、党建指导员和组织数 / Industry grid polygons with their officer, party-building instructor and organization count",
			// Grids are few (tens per zone) and every role reads its zone's:
			// bbox, paging and counting run over the store's stream, on
			// the bounding box the store gives with each feature.
			each: func(ctx context.Context, q ogcQuery, emit grid.FeatureFunc) error {
				n := 0
				return s.store.EachGridFeature(ctx, grid.GridFilter{ID: q.id, ZoneID: q.scope.ZoneID}, func(f grid.Feature) error {
					if f.ID <= q.afterID || !meets(f.BBox, q.bbox) || (q.limit > 0 && n >= q.limit) {
						return nil
					}
					n++
					return emit(f)
				})
			},
			count: func(ctx context.Context, q ogcQuery) (int64, error) {
				var n int64
				err := s.store.EachGridFeature(ctx, grid.GridFilter{ZoneID: q.scope.ZoneID}, func(f grid.Feature) error {
					if meets(f.BBox, q.bbox) {
						n++
					}
					return nil
				})
				return n, err
			},
		},
		{
			id:          "organizations",
			title:       "企业与组织 / Organizations",
			description: "企业、新经济组织和社会组织的位置与党建信息 / Enterprises, new economic and social organizations: location, party organization, liaison and open requests",
			each: func(ctx context.Context, q ogcQuery, emit grid.FeatureFunc) error {
				return s.store.EachOrgFeature(ctx, orgFilterOf(q), emit)
			},
			count: func(ctx context.Context, q ogcQuery) (int64, error) {
				return s.store.CountOrgs(ctx, orgFilterOf(q))
			},
		},
		{
			id:          "liaisons",
			title:       "红领联络员 / Liaisons",
			description: "红领联络员驻点位置、包联负荷与联系走访情况 / Liaison cadres' base points with their load, capacity and contact compliance",
			each: func(ctx context.Context, q ogcQuery, emit grid.FeatureFunc) error {
				return s.store.EachLiaisonFeature(ctx, liaisonFilterOf(q), emit)
			},
			count: func(ctx context.Context, q ogcQuery) (int64, error) {
				return s.store.CountLiaisons(ctx, liaisonFilterOf(q))
			},
		},
		{
			id:          "requests",
			title:       "企业诉求 / Requests",
			description: "企业诉求的位置、办理状态与时限颜色 / Enterprise requests at their organization, with status and SLA colour",
			each: func(ctx context.Context, q ogcQuery, emit grid.FeatureFunc) error {
				return s.store.EachRequestFeature(ctx, requestFilterOf(q), emit)
			},
			count: func(ctx context.Context, q ogcQuery) (int64, error) {
				return s.store.CountRequests(ctx, requestFilterOf(q))
			},
		},
	}
}

// meets reports whether box b meets the filter box (always, without
// one), as PostGIS's && does for the other collections.
func meets(b geo.BBox, filter *geo.BBox) bool {
	return filter == nil || (b.MinLon <= filter.MaxLon && b.MaxLon >= filter.MinLon &&
		b.MinLat <= filter.MaxLat && b.MaxLat >= filter.MinLat)
}

func orgFilterOf(q ogcQuery) grid.OrgFilter {
	return grid.OrgFilter{Scope: q.scope, ID: q.id, BBox: q.bbox, AfterID: q.afterID, Limit: q.limit}
}

func liaisonFilterOf(q ogcQuery) grid.LiaisonFilter {
	return grid.LiaisonFilter{Scope: q.scope, ID: q.id, BBox: q.bbox, AfterID: q.afterID, Limit: q.limit}
}

func requestFilterOf(q ogcQuery) grid.RequestFilter {
	return grid.RequestFilter{Scope: q.scope, ID: q.id, BBox: q.bbox, AfterID: q.afterID, Limit: q.limit}
}

// collection finds a collection by its id, or answers 404.
func (o *ogcAPI) collection(c *fiber.Ctx) (*ogcCollection, error) {
	id := c.Params("collectionId")
	for i := range o.collections {
		if o.collections[i].id == id {
			return &o.collections[i], nil
		}
	}
	return nil, grid.Errorf(grid.ENotFound, "no collection %q: the collections are %s", id, strings.Join(o.collectionIDs(), ", "))
}

// collectionIDs are the collections' ids, in order.
func (o *ogcAPI) collectionIDs() []string {
	ids := make([]string, len(o.collections))
	for i, col := range o.collections {
		ids[i] = col.id
	}
	return ids
}

// ogcFormat refuses query parameters other than f (and those allowed),
// and f values other than the JSON encodings a route serves.
func ogcFormat(c *fiber.Ctx, formats []string, allowed ...string) error {
	if err := allowParams(c, append(allowed, "f")...); err != nil {
		return err
	}
	if f := c.Query("f"); f != "" && !slices.Contains(formats, f) {
		return grid.Invalid("f", "unsupported format %q: this API serves %s", f, strings.Join(formats, ", "))
	}
	return nil
}

var (
	jsonFormats    = []string{"json"}
	geoJSONFormats = []string{"json", "geojson"}
)

// base is the URL of the OGC API root as the client reached it.
func (o *ogcAPI) base(c *fiber.Ctx) string { return c.BaseURL() + "/ogc" }

// sendJSON answers v as application/json, for the caller only.
func (o *ogcAPI) sendJSON(c *fiber.Ctx, v any) error {
	c.Set(fiber.HeaderCacheControl, cachePrivate)
	return c.JSON(v)
}

// landing answers the landing page: links to the API document, the
// conformance declaration and the collections.
func (o *ogcAPI) landing(c *fiber.Ctx) error {
	if err := ogcFormat(c, jsonFormats); err != nil {
		return err
	}
	base := o.base(c)
	return o.sendJSON(c, fiber.Map{
		"title":       "gridgis OGC API – Features",
		"description": "产业网格、企业与组织、红领联络员和企业诉求 / Industry grids, organizations, liaisons and enterprise requests",
		"links": []geo.Link{
			{Href: base, Rel: "self", Type: fiber.MIMEApplicationJSON, Title: "This document"},
			{Href: base + "/api", Rel: "service-desc", Type: openAPIMediaType, Title: "The API definition (OpenAPI 3.0)"},
			{Href: base + "/conformance", Rel: "conformance", Type: fiber.MIMEApplicationJSON, Title: "Conformance classes"},
			{Href: base + "/collections", Rel: "data", Type: fiber.MIMEApplicationJSON, Title: "Feature collections"},
		},
	})
}

// conformance declares the conformance classes implemented.
func (o *ogcAPI) conformance(c *fiber.Ctx) error {
	if err := ogcFormat(c, jsonFormats); err != nil {
		return err
	}
	return o.sendJSON(c, fiber.Map{"conformsTo": ogcConformance})
}

// apiDocument answers the OpenAPI 3.0 document of the whole server.
func (o *ogcAPI) apiDocument(c *fiber.Ctx) error {
	if err := ogcFormat(c, jsonFormats); err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, openAPIMediaType)
	c.Set(fiber.HeaderCacheControl, "public, max-age=300")
	return c.Send(o.doc)
}

// ogcExtent is a collection's extent: CRS84 bounding boxes.
type ogcExtent struct {
	Spatial struct {
		BBox [][4]float64 `json:"bbox"`
		CRS  string       `json:"crs"`
	} `json:"spatial"`
}

// collectionInfo is a collection's description.
type collectionInfo struct {
	ID          string     `json:"id"`
	Title       string     `json:"title"`
	Description string     `json:"description"`
	Extent      *ogcExtent `json:"extent,omitempty"`
	ItemType    string     `json:"itemType"`
	CRS         []string   `json:"crs"`
	Links       []geo.Link `json:"links"`
}

func (o *ogcAPI) describe(c *fiber.Ctx, col *ogcCollection, extents map[string]geo.BBox) collectionInfo {
	href := o.base(c) + "/collections/" + col.id
	info := collectionInfo{
		ID: col.id, Title: col.title, Description: col.description, ItemType: "feature", CRS: []string{crs84},
		Links: []geo.Link{
			{Href: href, Rel: "self", Type: fiber.MIMEApplicationJSON, Title: col.title},
			{Href: href + "/items", Rel: "items", Type: geoJSON, Title: col.title},
		},
	}
	if b, ok := extents[col.id]; ok {
		info.Extent = &ogcExtent{}
		// Six decimals, as the features have, rounded outwards.
		down := func(v float64) float64 { return math.Floor(v*1e6) / 1e6 }
		up := func(v float64) float64 { return math.Ceil(v*1e6) / 1e6 }
		info.Extent.Spatial.BBox = [][4]float64{{down(b.MinLon), down(b.MinLat), up(b.MaxLon), up(b.MaxLat)}}
		info.Extent.Spatial.CRS = crs84
	}
	return info
}

func (o *ogcAPI) extents(c *fiber.Ctx) (map[string]geo.BBox, error) {
	ctx, cancel := o.s.queryCtx(c)
	defer cancel()
	return o.s.store.LayerExtents(ctx, userOf(c).ZoneID)
}

// listCollections describes every collection.
func (o *ogcAPI) listCollections(c *fiber.Ctx) error {
	if err := ogcFormat(c, jsonFormats); err != nil {
		return err
	}
	extents, err := o.extents(c)
	if err != nil {
		return err
	}
	cols := make([]collectionInfo, len(o.collections))
	for i := range o.collections {
		cols[i] = o.describe(c, &o.collections[i], extents)
	}
	return o.sendJSON(c, fiber.Map{
		"links": []geo.Link{
			{Href: o.base(c) + "/collections", Rel: "self", Type: fiber.MIMEApplicationJSON, Title: "Feature collections"},
		},
		"collections": cols,
	})
}

// getCollection describes one collection.
func (o *ogcAPI) getCollection(c *fiber.Ctx) error {
	col, err := o.collection(c)
	if err != nil {
		return err
	}
	if err := ogcFormat(c, jsonFormats); err != nil {
		return err
	}
	extents, err := o.extents(c)
	if err != nil {
		return err
	}
	return o.sendJSON(c, o.describe(c, col, extents))
}

// items streams a page of a collection's features within the caller's
// scope, with numberReturned, timeStamp, paging links and, on the first
// page, numberMatched.
func (o *ogcAPI) items(c *fiber.Ctx) error {
	col, err := o.collection(c)
	if err != nil {
		return err
	}
	if err := ogcFormat(c, geoJSONFormats, "bbox", "bbox-crs", "limit", "cursor"); err != nil {
		return err
	}
	q := ogcQuery{scope: userOf(c).Scope()}
	if q.bbox, err = ogcBBox(c); err != nil {
		return err
	}
	limit, err := ogcLimit(c)
	if err != nil {
		return err
	}
	if q.afterID, err = decodeCursor(c); err != nil {
		return err
	}
	extra := map[string]any{"timeStamp": o.s.now().UTC().Format(time.RFC3339)}
	// numberMatched is on the first page only: counting again for every
	// page would make reading a large layer page by page cost a full
	// count per page. A first page that is not full holds every match,
	// so only a full one is counted; the count runs before anything is
	// written, so a failing count still gets a proper status.
	numberMatched := func(more bool, returned int) error {
		if q.afterID != 0 {
			return nil
		}
		if !more {
			extra["numberMatched"] = returned
			return nil
		}
		ctx, cancel := o.s.queryCtx(c)
		defer cancel()
		whole := q
		whole.limit = 0
		matched, err := col.count(ctx, whole)
		if err != nil {
			return err
		}
		// The count reads another snapshot than the page: a delete
		// committed in between must not make it less than the page
		// and the row known to follow it.
		extra["numberMatched"] = max(matched, int64(returned)+1)
		return nil
	}
	q.limit = limit + 1

	query := currentQuery(c)
	items := o.base(c) + "/collections/" + col.id + "/items"
	collectionHref := o.base(c) + "/collections/" + col.id
	return o.s.streamCollection(c, page{
		limit:  limit,
		extra:  extra,
		finish: numberMatched,
		links: func(more bool, lastID int64) []geo.Link {
			links := []geo.Link{
				{Href: items + encodeQuery(query), Rel: "self", Type: geoJSON, Title: "This page"},
				{Href: collectionHref, Rel: "collection", Type: fiber.MIMEApplicationJSON, Title: col.title},
			}
			if more {
				next := url.Values{}
				for k, v := range query {
					next[k] = v
				}
				next.Set("cursor", encodeCursor(lastID))
				next.Set("limit", strconv.Itoa(limit))
				links = append(links, geo.Link{Href: items + encodeQuery(next), Rel: "next", Type: geoJSON, Title: "Next page"})
			}
			return links
		},
	}, func(ctx context.Context, emit grid.FeatureFunc) error { return col.each(ctx, q, emit) })
}

// item answers one feature with its self and collection links; a feature
// outside the caller's scope, or no feature id at all, is not found.
func (o *ogcAPI) item(c *fiber.Ctx) error {
	col, err := o.collection(c)
	if err != nil {
		return err
	}
	if err := ogcFormat(c, geoJSONFormats); err != nil {
		return err
	}
	raw := c.Params("featureId")
	id, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || id <= 0 {
		return grid.Errorf(grid.ENotFound, "no feature %q in %s", raw, col.id)
	}
	ctx, cancel := o.s.queryCtx(c)
	defer cancel()
	var feature []byte
	err = col.each(ctx, ogcQuery{scope: userOf(c).Scope(), id: &id}, func(f grid.Feature) error {
		feature = append([]byte(nil), f.JSON...)
		return nil
	})
	if err != nil {
		return err
	}
	if feature == nil {
		return grid.Errorf(grid.ENotFound, "no feature %d in %s", id, col.id)
	}
	href := o.base(c) + "/collections/" + col.id
	links, err := json.Marshal([]geo.Link{
		{Href: href + "/items/" + strconv.FormatInt(id, 10), Rel: "self", Type: geoJSON, Title: "This feature"},
		{Href: href, Rel: "collection", Type: fiber.MIMEApplicationJSON, Title: col.title},
	})
	if err != nil {
		return err
	}
	// The store wrote the feature as one JSON object: add the links as its
	// last member without decoding it.
	feature = bytes.TrimRight(feature, " \t\r\n")
	if len(feature) < 2 || feature[len(feature)-1] != '}' {
		return grid.Errorf(grid.EInternal, "feature %d of %s is not a JSON object", id, col.id)
	}
	out := make([]byte, 0, len(feature)+len(links)+10)
	out = append(out, feature[:len(feature)-1]...)
	out = append(out, `,"links":`...)
	out = append(out, links...)
	out = append(out, '}')
	c.Set(fiber.HeaderContentType, geoJSON)
	c.Set(fiber.HeaderCacheControl, cachePrivate)
	return c.Send(out)
}

// ogcBBox reads bbox (4 numbers, or 6 with heights, which are ignored) and
// bbox-crs, which may only name CRS84.
func ogcBBox(c *fiber.Ctx) (*geo.BBox, error) {
	if crs := c.Query("bbox-crs"); crs != "" && crs != crs84 {
		return nil, grid.Invalid("bbox-crs", "only %s is supported", crs84)
	}
	raw := c.Query("bbox")
	if raw == "" {
		return nil, nil
	}
	if parts := strings.Split(raw, ","); len(parts) == 6 {
		for _, z := range []string{parts[2], parts[5]} {
			if v, err := strconv.ParseFloat(strings.TrimSpace(z), 64); err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, grid.Invalid("bbox", "height %q is not a finite number", z)
			}
		}
		raw = strings.Join([]string{parts[0], parts[1], parts[3], parts[4]}, ",")
	}
	b, err := geo.ParseBBox(raw)
	if err != nil {
		return nil, grid.Invalid("bbox", "%v", err)
	}
	return &b, nil
}

// ogcLimit reads limit: a positive integer, served as at most
// maxOGCLimit.
func ogcLimit(c *fiber.Ctx) (int, error) {
	raw := c.Query("limit")
	if raw == "" {
		return defaultOGCLimit, nil
	}
	v, err := strconv.Atoi(raw)
	if errors.Is(err, strconv.ErrRange) && !strings.HasPrefix(raw, "-") {
		return maxOGCLimit, nil // beyond an int: served as the maximum too
	}
	if err != nil || v < 1 {
		return 0, grid.Invalid("limit", "must be a positive integer")
	}
	return min(v, maxOGCLimit), nil
}

package server

import (
	"encoding/json"
	"maps"
	"slices"
	"strconv"

	"gridgis/geo"
	"gridgis/grid"
)

// The OpenAPI 3.0 document of the whole server (/ogc and /api/v1), served
// at /ogc/api. It is built in Go so that every enumeration (kinds, party
// organizations, statuses, indicators, roles, layers) comes from the
// domain's own lists and cannot drift from what the handlers accept.
// Tests validate the document, check that every registered route is in
// it, and validate real responses against it.

// obj is a JSON object of the document.
type obj = map[string]any

// openAPIDocument returns the document as JSON; collections are the OGC
// API collection ids.
func openAPIDocument(collections []string) []byte {
	b, err := json.Marshal(openAPI(collections))
	if err != nil {
		panic(err) // maps of strings, numbers and slices always marshal
	}
	return b
}

func openAPI(collections []string) obj {
	return obj{
		"openapi": "3.0.3",
		"info": obj{
			"title":   "gridgis API",
			"version": "1.0.0",
			"description": "产业网格、企业与组织、红领联络员、包联关系、企业诉求和覆盖率：网页地图的 JSON/GeoJSON 接口 (/api/v1) " +
				"和 OGC API – Features 第 1 部分 (/ogc)。\n\n" +
				"Industry grids, organizations, liaisons, assignments, enterprise requests and coverage: the map app's " +
				"JSON/GeoJSON API (/api/v1) and OGC API – Features Part 1 (/ogc: core, GeoJSON, OpenAPI 3.0). " +
				"Sign in with the session cookie (POST /api/v1/session) or send a personal API token " +
				"(POST /api/v1/tokens) as `Authorization: Bearer <token>`. What a caller sees is limited to their " +
				"scope: officers their grids, liaisons their organizations; grid outlines and aggregates are for " +
				"every role. Errors are RFC 9457 problems (application/problem+json) with a stable `code` and the " +
				"offending `field`.",
			"license": obj{"name": "Proprietary"},
		},
		"servers": []obj{{"url": "/", "description": "this server"}},
		"tags": []obj{
			{"name": "OGC API – Features", "description": "OGC API – Features Part 1 (OGC 17-069r4) under /ogc"},
			{"name": "session", "description": "sign-in, API tokens, who am I"},
			{"name": "audit", "description": "the audit log (admins)"},
			{"name": "grids", "description": "industry grids (产业网格)"},
			{"name": "organizations", "description": "enterprises, new economic and social organizations (企业与组织)"},
			{"name": "liaisons", "description": "liaison cadres (红领联络员) and their assignments (包联关系)"},
			{"name": "requests", "description": "enterprise requests (企业诉求) and their SLA"},
			{"name": "coverage", "description": "coverage indicators per grid (覆盖率)"},
			{"name": "rebalance", "description": "optimized liaison plans (包联优化): preview and apply"},
			{"name": "stats", "description": "request KPIs (办结率, 按期办结率, 返工率, …) and contact compliance"},
			{"name": "tiles", "description": "Mapbox vector tiles"},
			{"name": "export", "description": "downloads: registers (CSV, XLSX, GeoJSON, KML), ledgers (台账) and the monthly report"},
			{"name": "import", "description": "data in: organization registers (企业名录导入) and their jobs"},
			{"name": "service", "description": "configuration and health"},
		},
		"security": []obj{{"sessionCookie": []string{}}, {"bearerToken": []string{}}},
		"paths": documentFaults(merged(openAPIPaths(), requestPaths(), requestActionPaths(), rebalancePaths(), exportPaths(), orgWritePaths(), importPaths(),
			gridImportPaths(), searchPaths(), baseLayerPaths())),
		"components": obj{
			"securitySchemes": obj{
				"sessionCookie": obj{"type": "apiKey", "in": "cookie", "name": sessionCookie,
					"description": "The web app's session, set by POST /api/v1/session (HttpOnly, SameSite=Lax)."},
				"bearerToken": obj{"type": "http", "scheme": "bearer", "bearerFormat": grid.TokenPrefix + "…",
					"description": "A personal API token from POST /api/v1/tokens, for scripts and desktop GIS (GDAL, QGIS)."},
			},
			"parameters": merged(openAPIParameters(collections), rebalanceParameters(), idempotencyParameters(), exportParameters(), orgWriteParameters()),
			"responses":  merged(openAPIResponses(), rebalanceResponses(), idempotencyResponses(), exportResponses()),
			"schemas": merged(openAPISchemas(), requestSchemas(), requestActionSchemas(), rebalanceSchemas(), orgWriteSchemas(), importSchemas(),
				gridImportSchemas(), searchSchemas(), baseLayerSchemas()),
		},
	}
}

// merged is every entry of the maps, for areas documented in their own files.
func merged(parts ...obj) obj {
	out := obj{}
	for _, p := range parts {
		maps.Copy(out, p)
	}
	return out
}

// Names of the document's components.
func schemaRef(name string) obj   { return obj{"$ref": "#/components/schemas/" + name} }
func paramRef(name string) obj    { return obj{"$ref": "#/components/parameters/" + name} }
func responseRef(name string) obj { return obj{"$ref": "#/components/responses/" + name} }

func str(desc string) obj     { return obj{"type": "string", "description": desc} }
func integer(desc string) obj { return obj{"type": "integer", "format": "int64", "description": desc} }
func number(desc string) obj  { return obj{"type": "number", "description": desc} }
func boolean(desc string) obj { return obj{"type": "boolean", "description": desc} }
func dateTime(desc string) obj {
	return obj{"type": "string", "format": "date-time", "description": desc}
}

// nullable marks a schema as also admitting null.
func nullable(s obj) obj {
	s["nullable"] = true
	return s
}

// enum is a string schema limited to values.
func enum[T ~string](desc string, values []T) obj {
	vs := make([]string, len(values))
	for i, v := range values {
		vs[i] = string(v)
	}
	return obj{"type": "string", "enum": vs, "description": desc}
}

func arrayOf(items obj) obj { return obj{"type": "array", "items": items} }

// object is an object schema whose listed properties are all required.
func object(desc string, props obj) obj {
	req := make([]string, 0, len(props))
	for k := range props {
		req = append(req, k)
	}
	slices.Sort(req)
	return obj{"type": "object", "description": desc, "required": req, "properties": props}
}

func content(mediaType string, schema obj) obj {
	return obj{mediaType: obj{"schema": schema}}
}

func jsonResponse(desc, schema string) obj {
	return obj{"description": desc, "content": content("application/json", schemaRef(schema))}
}

func geoJSONResponse(desc, schema string) obj {
	return obj{"description": desc, "content": content(geoJSON, schemaRef(schema))}
}

// op is one operation; responses are merged with the problem answers
// every protected route can give.
func op(tag, summary, description string, params []obj, responses obj) obj {
	o := obj{"tags": []string{tag}, "summary": summary, "responses": responses}
	if description != "" {
		o["description"] = description
	}
	if len(params) > 0 {
		o["parameters"] = params
	}
	return o
}

// protected adds the answers of a route behind sign-in.
func protected(responses obj) obj {
	if _, ok := responses["401"]; !ok {
		responses["401"] = responseRef("Unauthorized")
	}
	return responses
}

// public marks an operation as needing no credentials.
func public(o obj) obj {
	o["security"] = []obj{}
	return o
}

// withBody adds a required JSON request body.
func withBody(o obj, schema string) obj {
	o["requestBody"] = obj{"required": true, "content": content("application/json", schemaRef(schema))}
	return o
}

// listParams are a paged GeoJSON listing's limit and cursor.
func listParams(extra ...obj) []obj {
	return append(extra, paramRef("limit"), paramRef("cursor"))
}

func openAPIPaths() obj {
	ogcTag := "OGC API – Features"
	featureAnswers := func(desc, schema string) obj {
		return protected(obj{
			"200": geoJSONResponse(desc, schema),
			"400": responseRef("BadRequest"),
			"404": responseRef("NotFound"),
		})
	}
	return obj{
		// OGC API – Features.
		"/ogc": obj{"get": op(ogcTag, "Landing page",
			"Links to the API definition, the conformance declaration and the collections.",
			[]obj{paramRef("f")},
			protected(obj{"200": jsonResponse("The landing page", "LandingPage"), "400": responseRef("BadRequest")}))},
		"/ogc/conformance": obj{"get": op(ogcTag, "Conformance classes",
			"The conformance classes of OGC API – Features Part 1 this server implements: core, GeoJSON, OpenAPI 3.0.",
			[]obj{paramRef("f")},
			protected(obj{"200": jsonResponse("The conformance declaration", "ConfClasses"), "400": responseRef("BadRequest")}))},
		"/ogc/api": obj{"get": op(ogcTag, "This API definition", "The OpenAPI 3.0 document of /ogc and /api/v1.",
			[]obj{paramRef("f")},
			protected(obj{
				"200": obj{"description": "The OpenAPI 3.0 document",
					"content": content(openAPIMediaType, obj{"type": "object"})},
				"400": responseRef("BadRequest"),
			}))},
		"/ogc/collections": obj{"get": op(ogcTag, "Feature collections",
			"grids, organizations, liaisons and requests, each with its title in Chinese and English and its extent.",
			[]obj{paramRef("f")},
			protected(obj{"200": jsonResponse("The collections", "Collections"), "400": responseRef("BadRequest")}))},
		"/ogc/collections/{collectionId}": obj{"get": op(ogcTag, "One feature collection", "",
			[]obj{paramRef("collectionId"), paramRef("f")},
			protected(obj{"200": jsonResponse("The collection", "Collection"),
				"400": responseRef("BadRequest"), "404": responseRef("NotFound")}))},
		"/ogc/collections/{collectionId}/items": obj{"get": op(ogcTag, "A page of a collection's features",
			"Streams the features the caller may see, in id order, with numberReturned, timeStamp, "+
				"self, collection and (while more remain) next links, and numberMatched on the first page. The features are the same as the matching "+
				"/api/v1 layer's. Query parameters other than those listed answer 400.",
			[]obj{paramRef("collectionId"), paramRef("ogcBBox"), paramRef("bbox-crs"), paramRef("ogcLimit"),
				paramRef("cursor"), paramRef("fGeoJSON")},
			protected(obj{"200": geoJSONResponse("A page of features", "OGCFeatureCollection"),
				"400": responseRef("BadRequest"), "404": responseRef("NotFound")}))},
		"/ogc/collections/{collectionId}/items/{featureId}": obj{"get": op(ogcTag, "One feature",
			"A feature outside the caller's scope is not found.",
			[]obj{paramRef("collectionId"), paramRef("featureId"), paramRef("fGeoJSON")},
			protected(obj{"200": geoJSONResponse("The feature, with self and collection links", "OGCFeature"),
				"400": responseRef("BadRequest"), "404": responseRef("NotFound")}))},

		// Session, tokens, audit.
		"/api/v1/session": obj{
			"post": public(withBody(op("session", "Sign in",
				"Starts a web session and sets the "+sessionCookie+" cookie. An unknown user and a wrong password get "+
					"the same 401; repeated failures are throttled (429 with Retry-After).", nil,
				obj{
					"200": obj{"description": "Signed in", "content": content("application/json", schemaRef("Me")),
						"headers": obj{"Set-Cookie": obj{"description": "the session cookie", "schema": obj{"type": "string"}}}},
					"400": responseRef("BadRequest"), "401": responseRef("Unauthorized"),
					"413": responseRef("TooLarge"), "429": responseRef("Throttled"),
				}), "LoginInput")),
			"delete": public(op("session", "Sign out", "Ends the caller's session, if any, and clears the cookie.", nil,
				obj{"204": obj{"description": "Signed out"}})),
		},
		"/api/v1/me": obj{"get": op("session", "Who am I", "", nil,
			protected(obj{"200": jsonResponse("The signed-in user", "Me")}))},
		"/api/v1/tokens": obj{
			"post": withBody(op("session", "Create a personal API token",
				"The secret is in this answer only; the server keeps its hash. Send it as `Authorization: Bearer <token>`.", nil,
				protected(obj{"201": jsonResponse("The new token, with its secret", "TokenCreated"),
					"400": responseRef("BadRequest"), "413": responseRef("TooLarge")})), "TokenInput"),
			"get": op("session", "List my API tokens", "Without secrets.", nil,
				protected(obj{"200": jsonResponse("The caller's tokens", "TokenList")})),
		},
		"/api/v1/tokens/{id}": obj{"delete": op("session", "Revoke an API token",
			"One's own; an admin may revoke anyone's. Another user's token is not found.",
			[]obj{paramRef("id")},
			protected(obj{"204": obj{"description": "Revoked"}, "400": responseRef("BadRequest"), "404": responseRef("NotFound")}))},
		"/api/v1/audit": obj{"get": op("audit", "The audit log", "Newest first. Admins only.",
			[]obj{
				{"name": "limit", "in": "query", "schema": obj{"type": "integer", "minimum": 1, "maximum": 1000, "default": 100}},
				{"name": "before", "in": "query", "description": "entries before this id",
					"schema": obj{"type": "integer", "minimum": 0}},
			},
			protected(obj{"200": jsonResponse("A page of entries", "AuditList"),
				"400": responseRef("BadRequest"), "403": responseRef("Forbidden")}))},

		// Map layers.
		"/api/v1/grids": obj{"get": op("grids", "Industry grid polygons",
			"Every grid with its officer, instructor and organization count; every role sees every outline. "+
				"org_total is the organizations in the caller's scope, those without a grid included. "+
				"Answers carry a strong ETag: If-None-Match answers 304.",
			[]obj{paramRef("If-None-Match")},
			protected(obj{"200": geoJSONResponse("The grids", "GridCollection"), "304": responseRef("NotModified"),
				"400": responseRef("BadRequest")}))},
		"/api/v1/grids/{id}": obj{"get": op("grids", "One grid", "", []obj{paramRef("id")},
			featureAnswers("The grid", "GridFeature"))},
		"/api/v1/organizations": obj{"get": op("organizations", "Organization points",
			"Streamed in id order, within the caller's scope, a page at a time with a next link while more remain. "+
				"By default the active, located ones; `status` and `located` select the retired and the unlocated (待定位).",
			listParams(paramRef("bbox"), paramRef("grid"), paramRef("kind"), paramRef("industry"),
				paramRef("party_org"), paramRef("liaison"), paramRef("q"), paramRef("orgOverdue"),
				paramRef("orgStatus"), paramRef("located")),
			protected(obj{"200": geoJSONResponse("A page of organizations", "OrgCollection"), "400": responseRef("BadRequest")})),
			"post": createOrgOp()},
		"/api/v1/organizations/{id}": obj{
			"get": op("organizations", "One organization", "Of any status; one outside the caller's scope is not found.",
				[]obj{paramRef("id")}, featureAnswers("The organization", "OrgFeature")),
			"patch": withBody(op("organizations", "Change, move or place an organization",
				"With optimistic concurrency: `version` must be the version last read, else 409 and nothing changes. "+
					"Audited, with each changed value and any change of grid. Admins and the officers of its grid may "+
					"change it; other roles get 403 for one they can see. A change of industry or location runs the rule "+
					"行业归口、属地兜底 again (a grid set by hand is kept); the answer carries the new grid_id and grid_reason. "+
					"An officer's change must keep it in their grids (else 403 naming the field); only admins set "+
					"grid_id by hand or clear it (null). A retired organization answers 409.",
				[]obj{paramRef("id")},
				protected(obj{
					"200": geoJSONResponse("The changed organization", "OrgFeature"),
					"400": responseRef("BadRequest"), "403": responseRef("Forbidden"), "404": responseRef("NotFound"),
					"409": responseRef("Conflict"), "413": responseRef("TooLarge"),
				})), "OrgPatch"),
		},
		"/api/v1/organizations/{id}/contacts": obj{
			"get": op("organizations", "An organization's contact and visit log (联系 / 走访记录)",
				"Newest first (by time, then id), a page at a time: `next` continues it while more remain. "+
					"An organization outside the caller's scope is not found.",
				[]obj{paramRef("id"), paramRef("contactKind"), paramRef("contactLimit"), paramRef("cursor")},
				protected(obj{"200": jsonResponse("A page of the log", "ContactList"),
					"400": responseRef("BadRequest"), "404": responseRef("NotFound")})),
			"post": withBody(op("organizations", "Log a contact (联系) or visit (走访)",
				"For the organization's active liaison. Liaisons log for their own organizations, officers for those "+
					"of their grids, admins for any; planners get 403 for one they can see. `at` may be back-filled up "+
					"to a year and be at most 5 minutes ahead of the server's clock (then it is stored as now); "+
					"without it the contact is logged now. Audited.",
				[]obj{paramRef("id")},
				protected(obj{"201": jsonResponse("The logged contact", "Contact"),
					"400": responseRef("BadRequest"), "403": responseRef("Forbidden"), "404": responseRef("NotFound"),
					"413": responseRef("TooLarge")})), "ContactInput"),
		},
		"/api/v1/stats": obj{"get": op("stats", "Request KPIs and contact compliance",
			"For the requests reported in [from, to), per group: reported, rejected, closed (verified), closure rate "+
				"(办结率: closed / (reported − rejected)), on-time closure rate (按期办结率: of the closed, those closed by "+
				"their due time), rework rate (返工率: of those resolved at least once, those sent back), the share "+
				"answered (assigned) within 24 hours (of those assigned or past their response deadline), median "+
				"response (report → assignment) and resolution (report → verification) hours, mean satisfaction, and "+
				"contact (7 days) and visit (30 days) compliance of the group's liaison-covered organizations at "+
				"min(to, now). Every rate comes with its numerator and denominator. Officers see their grids (by=zone "+
				"is their grids' total), a liaison the requests handed to them or about their organizations.",
			[]obj{paramRef("from"), paramRef("to"), paramRef("by")},
			protected(obj{"200": jsonResponse("The KPIs", "Stats"), "400": responseRef("BadRequest")}))},
		"/api/v1/liaisons": obj{"get": op("liaisons", "Liaison base points",
			"With load, capacity (min, max) and contact and visit compliance; officers see their grids' liaisons, "+
				"a liaison only themself.",
			listParams(paramRef("bbox"), paramRef("grid")),
			protected(obj{"200": geoJSONResponse("A page of liaisons", "LiaisonCollection"), "400": responseRef("BadRequest")}))},
		"/api/v1/assignments": obj{"get": op("liaisons", "Active assignments as lines",
			"A LineString from the liaison's base to each organization, with cause and pinned.",
			listParams(paramRef("liaison"), paramRef("grid")),
			protected(obj{"200": geoJSONResponse("A page of assignments", "AssignmentCollection"), "400": responseRef("BadRequest")}))},
		"/api/v1/requests": obj{
			"get": op("requests", "Request points",
				"At their organization, with status and SLA colour; `status=open` selects every request not yet verified or rejected.",
				listParams(paramRef("status"), paramRef("grid"), paramRef("overdue"), paramRef("bbox")),
				protected(obj{"200": geoJSONResponse("A page of requests", "RequestCollection"), "400": responseRef("BadRequest")})),
			"post": createRequestOp(),
		},
		"/api/v1/coverage": obj{"get": op("coverage", "Grid choropleth of a coverage indicator",
			"Every grid polygon with the indicator's numerator, denominator and rate, and each zone's total in `zones`. "+
				"Aggregates are for every role. Strong ETag: If-None-Match answers 304.",
			[]obj{paramRef("indicator"), paramRef("If-None-Match")},
			protected(obj{"200": geoJSONResponse("The grids with the indicator", "CoverageCollection"),
				"304": responseRef("NotModified"), "400": responseRef("BadRequest")}))},
		"/api/v1/coverage/gaps": obj{"get": op("coverage", "The organizations that make up an indicator's gap",
			"Within the caller's scope: the denominator's organizations outside the numerator (for standalone_gap, the numerator's).",
			listParams(paramRef("indicator"), paramRef("grid")),
			protected(obj{"200": geoJSONResponse("A page of organizations", "OrgCollection"), "400": responseRef("BadRequest")}))},
		"/api/v1/tiles/{layer}/{z}/{x}/{y}.mvt": obj{"get": op("tiles", "A Mapbox vector tile",
			"XYZ scheme. One layer named after the path's layer, with the features the caller may see. Point layers are "+
				"aggregated into cluster cells below zoom "+strconv.Itoa(grid.ClusterBelowZoom)+". An empty tile answers 204.",
			[]obj{paramRef("layer"), paramRef("z"), paramRef("x"), paramRef("y"), paramRef("If-None-Match")},
			protected(obj{
				"200": obj{"description": "The tile, with a strong ETag", "content": content(mvtType,
					obj{"type": "string", "format": "binary"})},
				"204": obj{"description": "No features in this tile"},
				"304": responseRef("NotModified"),
				"400": responseRef("BadRequest"), "404": responseRef("NotFound"),
			}))},
		"/api/v1/tiles/{layer}.json": obj{"get": op("tiles", "TileJSON of a vector tile layer",
			"The tile URL template, zoom range, bounds and the layer's fields.",
			[]obj{paramRef("layer")},
			protected(obj{"200": jsonResponse("The TileJSON 3.0 document", "TileJSON"),
				"400": responseRef("BadRequest"), "404": responseRef("NotFound")}))},

		// Service.
		"/api/v1/config": obj{"get": public(op("service", "The map app's configuration", "", nil,
			obj{"200": jsonResponse("The configuration", "Config")}))},
		"/healthz": obj{"get": public(op("service", "Liveness", "", nil,
			obj{"200": jsonResponse("The process is up", "Health")}))},
		"/readyz": obj{"get": public(op("service", "Readiness: the database answers", "", nil,
			obj{"200": jsonResponse("Ready", "Ready"), "503": responseRef("Unavailable")}))},
		"/metrics": obj{"get": op("service", "Prometheus metrics",
			"Prometheus text format. Open without credentials to a scraper on this machine (a loopback peer "+
				"that no proxy relayed), else to signed-in admins: 403 for other signed-in users, 404 for anyone else.", nil,
			obj{"200": obj{"description": "The metrics", "content": content("text/plain", obj{"type": "string"})},
				"403": responseRef("Forbidden"), "404": responseRef("NotFound")})},
	}
}

func openAPIParameters(collections []string) obj {
	query := func(name, desc string, schema obj) obj {
		return obj{"name": name, "in": "query", "required": false, "description": desc, "schema": schema}
	}
	path := func(name, desc string, schema obj) obj {
		return obj{"name": name, "in": "path", "required": true, "description": desc, "schema": schema}
	}
	id := obj{"type": "integer", "format": "int64", "minimum": 1}
	requestStatuses := append([]grid.RequestStatus{grid.StatusOpen}, grid.RequestStatuses...)
	return obj{
		// OGC API – Features (OGC 17-069r4, 7.15).
		"collectionId": path("collectionId", "the collection", enum("", collections)),
		"featureId":    path("featureId", "the feature's id (the row id)", obj{"type": "string"}),
		"ogcBBox": obj{"name": "bbox", "in": "query", "required": false, "style": "form", "explode": false,
			"description": "Only features whose geometry meets this box: minLon,minLat,maxLon,maxLat in CRS84 " +
				"(6 numbers with heights are accepted and the heights ignored).",
			"schema": obj{"type": "array", "minItems": 4, "maxItems": 6, "items": obj{"type": "number"}}},
		"bbox-crs": query("bbox-crs", "The CRS of bbox; only CRS84 is supported.", enum("", []string{crs84})),
		"ogcLimit": query("limit", "The page size. A larger value is served as the maximum.",
			obj{"type": "integer", "minimum": 1, "maximum": maxOGCLimit, "default": defaultOGCLimit}),
		"f":        query("f", "The encoding: JSON only.", enum("", jsonFormats)),
		"fGeoJSON": query("f", "The encoding: GeoJSON only (json and geojson both name it).", enum("", geoJSONFormats)),

		// /api/v1.
		"id": path("id", "the row id", id),
		"bbox": obj{"name": "bbox", "in": "query", "required": false, "style": "form", "explode": false,
			"description": "minLon,minLat,maxLon,maxLat in WGS84 degrees; a wrong order, a value out of range or NaN answers 400.",
			"schema":      obj{"type": "array", "minItems": 4, "maxItems": 4, "items": obj{"type": "number"}}},
		"limit": query("limit", "The page size.",
			obj{"type": "integer", "minimum": 1, "maximum": maxOrgLimit, "default": defaultOrgLimit}),
		"cursor":    query("cursor", "Continues a listing: the opaque cursor of a next link.", obj{"type": "string"}),
		"grid":      query("grid", "Only this grid's rows.", id),
		"kind":      query("kind", "Only organizations of this kind.", enum("", grid.OrgKinds)),
		"industry":  query("industry", "Only organizations of this industry (exact).", obj{"type": "string", "maxLength": 50}),
		"party_org": query("party_org", "Only organizations with this party organization.", enum("", grid.PartyOrgs)),
		"liaison":   query("liaison", "Only this liaison's organizations or assignments.", id),
		"q": query("q", "Name (substring) or unified social credit code (prefix).",
			obj{"type": "string", "maxLength": 100}),
		"status":  query("status", "One status, or open for every request not yet verified or rejected.", enum("", requestStatuses)),
		"overdue": query("overdue", "true: open requests past their deadline (SLA red); false: the others.", obj{"type": "boolean"}),
		"indicator": obj{"name": "indicator", "in": "query", "required": true, "description": "The coverage indicator.",
			"schema": enum("", grid.Indicators)},
		"gap": query("gap", "Only the organizations that make up this coverage indicator's gap (as GET "+
			"/api/v1/coverage/gaps); the file is then named 缺口组织_<indicator>_<date>.", enum("", grid.Indicators)),
		"orgOverdue": query("overdue", "Only organizations with a liaison that are overdue: contact (none in the "+
			"last 7 days; a visit counts) or visit (none in the last 30 days).", enum("", grid.ContactKinds)),
		"contactKind": query("kind", "Only contacts (联系) or only visits (走访).", enum("", grid.ContactKinds)),
		"contactLimit": query("limit", "The page size.",
			obj{"type": "integer", "minimum": 1, "maximum": maxContactLimit, "default": defaultContactLimit}),
		"from": query("from", "Start of the range (inclusive): an RFC 3339 time, or a date (midnight China "+
			"Standard Time). Default: a year before to.", obj{"type": "string", "example": "2025-01-01"}),
		"to": query("to", "End of the range (exclusive): an RFC 3339 time, or a date (midnight China Standard "+
			"Time). Default: now. At most 3 years after from.", obj{"type": "string", "example": "2025-07-01T00:00:00+08:00"}),
		"by": query("by", "Grouping: zone, grid (the organization's), liaison and unit (the request was handed "+
			"to), or calendar month (China Standard Time) of the report. Default: zone.", enum("", grid.StatsGroupings)),
		"layer": path("layer", "The vector tile layer.", enum("", grid.TileLayers)),
		"z":     path("z", "Zoom.", obj{"type": "integer", "minimum": 0, "maximum": geo.MaxTileZoom}),
		"x":     path("x", "Column.", obj{"type": "integer", "minimum": 0}),
		"y":     path("y", "Row.", obj{"type": "integer", "minimum": 0}),
		"If-None-Match": obj{"name": "If-None-Match", "in": "header", "required": false,
			"description": "An ETag from an earlier answer: 304 when unchanged.", "schema": obj{"type": "string"}},
	}
}

func openAPIResponses() obj {
	problem := func(desc string) obj {
		return obj{"description": desc, "content": content("application/problem+json", schemaRef("Problem"))}
	}
	return obj{
		"BadRequest":    problem("Bad input: the problem names the parameter or field (`field`) and the reason."),
		"Unauthorized":  problem("Not signed in, or a bad token."),
		"Forbidden":     problem("The caller's role may not do this."),
		"NotFound":      problem("No such resource, or not within the caller's scope."),
		"Conflict":      problem("A stale version: someone changed it first. Nothing was changed."),
		"Unprocessable": problem("Well-formed but not acceptable, such as an Idempotency-Key reused with another body."),
		"TooLarge":      problem("The request body is too large."),
		"Throttled":     problem("Too many failed sign-ins: try again after Retry-After seconds."),
		"Unavailable":   problem("The database is not reachable."),
		"NotModified":   obj{"description": "Not modified: the If-None-Match ETag still names the current answer."},
	}
}

func openAPISchemas() obj {
	link := object("A web link", obj{
		"href": str("the target"), "rel": str("the relation: self, next, collection, items, …"),
	})
	link["properties"].(obj)["type"] = str("the target's media type")
	link["properties"].(obj)["title"] = str("a title")
	links := arrayOf(schemaRef("Link"))
	position := obj{"type": "array", "minItems": 2, "maxItems": 3, "items": obj{"type": "number"}}
	ring := obj{"type": "array", "minItems": 4, "items": position}
	geometry := func(typ string, coords obj) obj {
		return object("A GeoJSON "+typ+" (RFC 7946; WGS84, 6 decimals; exterior rings counter-clockwise)", obj{
			"type": enum("", []string{typ}), "coordinates": coords,
		})
	}
	bbox := obj{"type": "array", "minItems": 4, "maxItems": 4, "items": obj{"type": "number"},
		"description": "minLon, minLat, maxLon, maxLat of the features"}
	feature := func(desc, geom, props string) obj {
		f := object(desc, obj{
			"type": enum("", []string{"Feature"}), "id": integer("the row id"),
			"geometry": schemaRef(geom), "properties": schemaRef(props),
		})
		f["properties"].(obj)["bbox"] = bbox
		return f
	}
	collection := func(desc, feat string) obj {
		c := object(desc, obj{
			"type": enum("", []string{"FeatureCollection"}), "features": arrayOf(schemaRef(feat)),
		})
		p := c["properties"].(obj)
		p["bbox"] = bbox
		p["links"] = links
		p["numberReturned"] = obj{"type": "integer", "minimum": 0, "description": "features in this answer"}
		return c
	}
	anyFeature := obj{"anyOf": []obj{schemaRef("GridFeature"), schemaRef("OrgFeature"),
		schemaRef("LiaisonFeature"), schemaRef("RequestFeature")}}
	ogcCollection := object("A page of an OGC API collection's features", obj{
		"type":           enum("", []string{"FeatureCollection"}),
		"features":       arrayOf(anyFeature),
		"links":          links,
		"numberReturned": obj{"type": "integer", "minimum": 0, "description": "features in this page"},
		"timeStamp":      dateTime("when the answer was made"),
	})
	ogcCollection["properties"].(obj)["bbox"] = bbox
	ogcCollection["properties"].(obj)["numberMatched"] = obj{"type": "integer", "minimum": 0,
		"description": "features matching the query (bbox and scope), on the first page (the one without a cursor)"}
	ogcFeature := obj{"allOf": []obj{anyFeature, object("", obj{"links": links})}}

	collectionInfo := object("A feature collection", obj{
		"id": str("the collection's id"), "links": links,
	})
	cp := collectionInfo["properties"].(obj)
	cp["title"] = str("中文 / English title")
	cp["description"] = str("中文 / English description")
	cp["itemType"] = enum("", []string{"feature"})
	cp["crs"] = arrayOf(str("a CRS URI"))
	cp["extent"] = object("The extent of the collection's features", obj{
		"spatial": object("", obj{
			"bbox": obj{"type": "array", "minItems": 1,
				"items": obj{"type": "array", "minItems": 4, "maxItems": 6, "items": obj{"type": "number"}}},
			"crs": enum("", []string{crs84}),
		}),
	})

	rate := func(desc string) obj {
		return nullable(obj{"type": "number", "minimum": 0, "maximum": 1, "description": desc + "; null when the denominator is 0"})
	}
	user := object("A user", obj{
		"id": integer(""), "zone_id": integer("the user's zone"), "username": str(""), "display_name": str(""),
		"role":     enum("admin: everything; officer (网格员): their grids; liaison (红领联络员): their organizations; planner: read-only everywhere", grid.Roles),
		"grid_ids": nullable(arrayOf(obj{"type": "integer"})), "disabled": boolean(""),
	})
	user["properties"].(obj)["liaison_id"] = integer("for liaisons: their liaison record")

	return obj{
		"Problem": obj{"type": "object", "description": "An RFC 9457 problem with gridgis's stable code",
			"required": []string{"type", "title", "status", "code", "request_id"},
			"properties": obj{
				"type": str("about:blank"), "title": str("the HTTP status text"), "status": obj{"type": "integer"},
				"detail": str("what went wrong, with the field first when there is one"),
				"code": str("a stable error code: invalid, not_found, conflict, forbidden, unauthorized, " +
					"throttled, too_large, unavailable, internal, …"),
				"field":      str("the offending parameter or field"),
				"request_id": str("the request's id, as in the X-Request-ID header and the server's log"),
			}},
		"Link": link,

		// GeoJSON geometries.
		"Point":        geometry("Point", position),
		"LineString":   geometry("LineString", obj{"type": "array", "minItems": 2, "items": position}),
		"MultiPolygon": geometry("MultiPolygon", arrayOf(obj{"type": "array", "minItems": 1, "items": ring})),

		// Layer properties: the names clients rely on.
		"GridProperties": object("An industry grid (产业网格)", obj{
			"code": str("grid code, unique in the zone"), "name": str("grid name"), "industry": str("the grid's industry"),
			"officer": str("grid officer (网格员)"), "instructor": str("party-building instructor (党建指导员)"),
			"zone_id": integer(""), "org_count": obj{"type": "integer", "minimum": 0, "description": "active organizations in the grid"},
		}),
		"OrgProperties": object("An organization (企业 / 新经济组织 / 社会组织)", obj{
			"name":          str(""),
			"uscc":          obj{"type": "string", "pattern": "^[0-9A-HJ-NPQRTUWXY]{18}$", "description": "unified social credit code (统一社会信用代码, GB 32100)"},
			"kind":          enum("", grid.OrgKinds),
			"industry":      str(""),
			"employees":     obj{"type": "integer", "minimum": 0},
			"party_members": obj{"type": "integer", "minimum": 0},
			"party_org":     enum("none, standalone (单独组建) or joint (联合组建)", grid.PartyOrgs),
			"high_tech":     boolean("高新技术企业"),
			"specialized":   boolean("专精特新"),
			"address":       str(""),
			"zone_id":       integer(""),
			"grid_id":       nullable(integer("the organization's grid; null before assignment")),
			"grid_reason": nullable(enum("why it belongs to its grid: industry (行业归口), territory (属地兜底), nearest, manual",
				grid.GridReasons)),
			"version":         obj{"type": "integer", "minimum": 1, "description": "for optimistic concurrency (PATCH)"},
			"liaison_id":      nullable(integer("the active liaison")),
			"pinned":          boolean("the assignment is pinned: rebalancing keeps it"),
			"last_contact_at": nullable(dateTime("the last contact (联系)")),
			"last_visit_at":   nullable(dateTime("the last visit (走访)")),
			"open_requests":   obj{"type": "integer", "minimum": 0, "description": "requests not yet verified or rejected"},
			"contact_overdue": boolean("has a liaison and no contact (a visit counts) in the last 7 days"),
			"visit_overdue":   boolean("has a liaison and no visit in the last 30 days"),
			"located":         boolean("has coordinates; false: unlocated (待定位), to be placed on the map"),
			"status":          enum("active, moved_out (迁出) or deregistered (注销)", []grid.OrgStatus{grid.StatusActive, grid.StatusMovedOut, grid.StatusDeregistered}),
			"retired_at":      nullable(obj{"type": "string", "format": "date", "description": "the date it moved out or was deregistered"}),
			"retired_note":    str("why it retired"),
		}),
		"LiaisonProperties": object("A liaison cadre (红领联络员) at their base", obj{
			"name": str(""), "phone": str(""), "zone_id": integer(""), "grid_id": integer("home grid"),
			"load":               obj{"type": "integer", "minimum": 0, "description": "organizations assigned"},
			"min":                obj{"type": "integer", "minimum": 0, "description": "capacity: fewest organizations"},
			"max":                obj{"type": "integer", "minimum": 0, "description": "capacity: most organizations"},
			"contacted_7d":       obj{"type": "integer", "minimum": 0, "description": "assigned organizations contacted in the last 7 days"},
			"visited_30d":        obj{"type": "integer", "minimum": 0, "description": "assigned organizations visited in the last 30 days"},
			"contact_compliance": rate("contacted_7d / load"),
			"visit_compliance":   rate("visited_30d / load"),
		}),
		"AssignmentProperties": object("An active assignment (包联关系)", obj{
			"org_id": integer(""), "liaison_id": integer(""),
			"grid_id":         nullable(integer("the organization's grid")),
			"liaison_grid_id": integer("the liaison's home grid"),
			"cause":           enum("", []grid.AssignmentCause{grid.CauseRule, grid.CauseManual, grid.CauseRebalance}),
			"pinned":          boolean("rebalancing never moves a pinned assignment"),
			"valid_from":      dateTime(""),
			"distance_m":      number("great-circle distance from the base, metres"),
		}),
		"RequestProperties": object("An enterprise request (诉求)", obj{
			"org_id": integer(""), "org_name": str(""), "grid_id": nullable(integer("")), "zone_id": integer(""),
			"title":    str(""),
			"category": enum("SLA class", []grid.RequestCategory{grid.CategoryOrdinary, grid.CategoryComplex}),
			"topic": enum("service chain stage: 招商落地, 建设运营, 生产经营, 创新发展, 权益保障", []grid.RequestTopic{
				grid.TopicLanding, grid.TopicConstruction, grid.TopicOperations, grid.TopicInnovation, grid.TopicRights}),
			"status":          enum("发现—交办—整改—销号—复核, or rejected", grid.RequestStatuses),
			"sla":             enum("green in time, yellow in the last 20 %, red overdue", []string{"green", "yellow", "red"}),
			"reported_at":     dateTime(""),
			"response_due_at": dateTime("first response (assignment) due"),
			"due_at":          dateTime("resolution due"),
			"closed_at":       nullable(dateTime("")),
			"liaison_id":      nullable(integer("")),
			"unit_id":         nullable(integer("the alliance unit handling it")),
			"supervision":     enum("graded supervision (黄牌/红牌)", []string{"none", "yellow", "red"}),
			"rework_count":    obj{"type": "integer", "minimum": 0, "description": "failed reviews (返工)"},
			"version":         obj{"type": "integer", "minimum": 1, "description": "for optimistic concurrency (transitions)"},
		}),
		"CoverageProperties": object("A grid's coverage indicator: always numerator, denominator and rate", obj{
			"code": str(""), "name": str(""), "industry": str(""), "zone_id": integer(""),
			"indicator":   enum("", grid.Indicators),
			"numerator":   obj{"type": "integer", "minimum": 0},
			"denominator": obj{"type": "integer", "minimum": 0},
			"rate":        rate("numerator / denominator, 4 decimals"),
		}),
		"ZoneRate": object("A zone's total of an indicator", obj{
			"zone_id": integer(""), "numerator": obj{"type": "integer", "minimum": 0},
			"denominator": obj{"type": "integer", "minimum": 0}, "rate": rate("numerator / denominator"),
		}),

		// Contact logs and KPIs.
		"ContactInput": obj{"type": "object", "required": []string{"kind"}, "additionalProperties": false,
			"properties": obj{
				"kind": enum("contact (联系) or visit (走访)", grid.ContactKinds),
				"at": obj{"type": "string", "format": "date-time",
					"description": "when; at most a year ago and 5 minutes ahead; default now"},
				"note": obj{"type": "string", "maxLength": grid.ContactNoteMax},
			}},
		"Contact": object("A logged contact or visit", obj{
			"id": integer(""), "org_id": integer(""),
			"liaison_id":   nullable(integer("the liaison it counts for: the organization's at the time")),
			"liaison_name": nullable(str("")),
			"kind":         enum("contact (联系) or visit (走访)", grid.ContactKinds),
			"at":           dateTime("when it took place"), "note": str(""),
			"created_by": nullable(integer("the user who logged it")), "created_at": dateTime("when it was logged"),
		}),
		"ContactList": func() obj {
			l := object("A page of a contact log, newest first", obj{"contacts": arrayOf(schemaRef("Contact"))})
			l["properties"].(obj)["next"] = str("the next page, while more remain")
			return l
		}(),
		"Rate": object("A rate with what it is made of", obj{
			"numerator": obj{"type": "integer", "minimum": 0}, "denominator": obj{"type": "integer", "minimum": 0},
			"rate": rate("numerator / denominator, 4 decimals"),
		}),
		"Median": object("A median with the number of values it was taken over", obj{
			"count": obj{"type": "integer", "minimum": 0},
			"value": nullable(number("hours, 2 decimals; null when count is 0")),
		}),
		"Mean": object("A mean with its sum and count", obj{
			"sum": obj{"type": "integer", "minimum": 0}, "count": obj{"type": "integer", "minimum": 0},
			"value": nullable(number("sum / count, 2 decimals; null when count is 0")),
		}),
		"StatsGroup": func() obj {
			nullableRate := func(desc string) obj {
				return obj{"nullable": true, "description": desc, "allOf": []obj{schemaRef("Rate")}}
			}
			return object("One group's KPIs over its requests reported in [from, to)", obj{
				"key":          str("the zone, grid, liaison or unit id, the month (2025-06), or none"),
				"name":         str("the group's name"),
				"from":         dateTime("the group's period: start (inclusive)"),
				"to":           dateTime("the group's period: end (exclusive)"),
				"reported":     obj{"type": "integer", "minimum": 0, "description": "requests reported"},
				"rejected":     obj{"type": "integer", "minimum": 0, "description": "of those, rejected (不予受理)"},
				"closed":       obj{"type": "integer", "minimum": 0, "description": "of those, verified (复核通过)"},
				"closure_rate": schemaRef("Rate"), "on_time_rate": schemaRef("Rate"),
				"rework_rate": schemaRef("Rate"), "answered_24h": schemaRef("Rate"),
				"median_response_hours": schemaRef("Median"), "median_resolution_hours": schemaRef("Median"),
				"satisfaction":       schemaRef("Mean"),
				"contact_compliance": nullableRate("organizations contacted in the 7 days to min(to, now); null by unit"),
				"visit_compliance":   nullableRate("organizations visited in the 30 days to min(to, now); null by unit"),
				"reminders": obj{"type": "integer", "minimum": 0,
					"description": "催办 recorded on the group's requests; by liaison and unit, against whoever was chased"},
			})
		}(),
		"Stats": object("Request KPIs per group", obj{
			"from": dateTime(""), "to": dateTime(""), "by": enum("", grid.StatsGroupings),
			"groups": arrayOf(schemaRef("StatsGroup")),
		}),

		// Features and collections.
		"GridFeature":       feature("A grid", "MultiPolygon", "GridProperties"),
		"OrgFeature":        feature("An organization", "Point", "OrgProperties"), // geometry: see orgWriteSchemas
		"LiaisonFeature":    feature("A liaison", "Point", "LiaisonProperties"),
		"AssignmentFeature": feature("An assignment", "LineString", "AssignmentProperties"),
		"RequestFeature":    feature("A request", "Point", "RequestProperties"),
		"CoverageFeature":   feature("A grid with an indicator", "MultiPolygon", "CoverageProperties"),
		"GridCollection": func() obj {
			c := collection("The grids, and the organizations the caller's scope holds", "GridFeature")
			c["properties"].(obj)["org_total"] = obj{"type": "integer", "minimum": 0,
				"description": "the active located organizations in the caller's scope, with or without a grid (what /organizations lists unfiltered)"}
			c["required"] = append(c["required"].([]string), "org_total")
			return c
		}(),
		"OrgCollection":        collection("A page of organizations", "OrgFeature"),
		"LiaisonCollection":    collection("A page of liaisons", "LiaisonFeature"),
		"AssignmentCollection": collection("A page of assignments", "AssignmentFeature"),
		"RequestCollection":    collection("A page of requests", "RequestFeature"),
		"CoverageCollection": func() obj {
			c := collection("The grids with an indicator, and each zone's total", "CoverageFeature")
			p := c["properties"].(obj)
			p["indicator"] = enum("", grid.Indicators)
			p["zones"] = arrayOf(schemaRef("ZoneRate"))
			c["required"] = append(c["required"].([]string), "indicator", "zones")
			return c
		}(),

		// OGC API – Features.
		"LandingPage": func() obj {
			l := object("The OGC API landing page", obj{"links": links})
			l["properties"].(obj)["title"] = str("")
			l["properties"].(obj)["description"] = str("")
			return l
		}(),
		"ConfClasses":          object("The conformance declaration", obj{"conformsTo": arrayOf(obj{"type": "string"})}),
		"Collections":          object("The feature collections", obj{"links": links, "collections": arrayOf(schemaRef("Collection"))}),
		"Collection":           collectionInfo,
		"OGCFeatureCollection": ogcCollection,
		"OGCFeature":           ogcFeature,

		// Session and service.
		"User": user,
		"Me":   object("The signed-in user", obj{"user": schemaRef("User")}),
		"Token": object("A personal API token, without its secret", obj{
			"id": integer(""), "user_id": integer(""), "name": str(""), "created_at": dateTime(""),
			"expires_at": nullable(dateTime("")), "revoked_at": nullable(dateTime("")), "last_used_at": nullable(dateTime("")),
		}),
		"TokenList": object("The caller's tokens", obj{"tokens": arrayOf(schemaRef("Token"))}),
		"TokenInput": obj{"type": "object", "required": []string{"name"}, "additionalProperties": false,
			"properties": obj{
				"name":            obj{"type": "string", "minLength": 1, "maxLength": 100},
				"expires_in_days": obj{"type": "integer", "minimum": 1, "maximum": maxTokenDays, "description": "without it the token lives until revoked"},
			}},
		"TokenCreated": object("A new token: the secret is shown this once", obj{
			"token": str("the secret, to send as Authorization: Bearer"), "id": integer(""), "name": str(""),
			"created_at": dateTime(""), "expires_at": nullable(dateTime("")),
		}),
		"LoginInput": obj{"type": "object", "required": []string{"username", "password"}, "additionalProperties": false,
			"properties": obj{
				"username": obj{"type": "string", "minLength": 1, "maxLength": 100},
				"password": obj{"type": "string", "minLength": 1, "maxLength": 200},
			}},
		"OrgPatch": obj{"type": "object", "required": []string{"version"}, "additionalProperties": false,
			"description": "The attributes to change; the others stay as they are.",
			"properties": obj{
				"version":       obj{"type": "integer", "minimum": 1, "maximum": 2147483647, "description": "the version last read"},
				"name":          obj{"type": "string", "minLength": 1, "maxLength": 100},
				"uscc":          obj{"type": "string", "pattern": "^[0-9A-HJ-NPQRTUWXY]{18}$"},
				"kind":          enum("", grid.OrgKinds),
				"industry":      obj{"type": "string", "minLength": 1, "maxLength": 50},
				"geometry":      schemaRef("Point"),
				"grid_id":       nullable(integer("admins only: the grid set by hand (reason manual); null lets the rule choose again")),
				"grid_reason":   enum("with grid_id: manual", []grid.GridReason{grid.ReasonManual}),
				"employees":     obj{"type": "integer", "minimum": 0, "maximum": 2147483647},
				"party_members": obj{"type": "integer", "minimum": 0, "maximum": 2147483647},
				"party_org":     enum("", grid.PartyOrgs),
				"high_tech":     obj{"type": "boolean"},
				"specialized":   obj{"type": "boolean"},
				"address":       obj{"type": "string", "maxLength": 200},
			}},
		"AuditEntry": func() obj {
			a := object("An audited action", obj{
				"id": integer(""), "at": dateTime(""), "action": str("login, login_failed, token_create, org_update, …"),
				"target": str("what it was done to, as kind:id"), "client_addr": str(""),
				"detail": nullable(obj{"type": "object"}),
			})
			a["properties"].(obj)["actor_id"] = integer("")
			a["properties"].(obj)["actor"] = str("")
			return a
		}(),
		"AuditList": func() obj {
			a := object("A page of the audit log", obj{"entries": arrayOf(schemaRef("AuditEntry"))})
			a["properties"].(obj)["next"] = str("the next page, when the page is full")
			return a
		}(),
		"TileJSON": func() obj {
			layer := object("A layer of the tiles", obj{
				"id": enum("", grid.TileLayers), "description": str(""),
				"minzoom": obj{"type": "integer"}, "maxzoom": obj{"type": "integer"},
				"fields": obj{"type": "object", "description": "attribute name → Number, String or Boolean",
					"additionalProperties": enum("", []string{"Number", "String", "Boolean"})},
			})
			return object("A TileJSON 3.0.0 document", obj{
				"tilejson": enum("", []string{"3.0.0"}), "name": str(""), "description": str(""),
				"scheme":  enum("", []string{"xyz"}),
				"tiles":   arrayOf(str("absolute tile URL template")),
				"minzoom": obj{"type": "integer", "minimum": 0}, "maxzoom": obj{"type": "integer", "maximum": geo.MaxTileZoom},
				"bounds":        obj{"type": "array", "minItems": 4, "maxItems": 4, "items": obj{"type": "number"}},
				"center":        obj{"type": "array", "minItems": 3, "maxItems": 3, "items": obj{"type": "number"}},
				"vector_layers": arrayOf(layer),
			})
		}(),
		"Config": object("The map app's configuration", obj{"basemaps": arrayOf(object(
			"A background the app offers (the first is shown at start; none: a plain background)", obj{
				"id": str("tianditu-vec, tianditu-img, amap-vec, amap-img or custom-N"), "name": str("shown in the chooser"),
				"datum":       enum("the datum the tiles are drawn in; over gcj02 the app shifts its data", []string{"wgs84", "gcj02"}),
				"attribution": str(""), "maxzoom": obj{"type": "integer"},
				"layers": arrayOf(object("a raster layer, bottom first", obj{"tiles": arrayOf(str("XYZ tile URL template, one per subdomain"))})),
			})),
			"map_tiles_above": integer("above this many organizations in the caller's scope (org_total of /grids) the app draws " +
				"organizations from /tiles/organizations and loads only those in view (GRIDGIS_MAP_TILES_ABOVE)")}),
		"Health": object("Liveness", obj{"status": enum("", []string{"ok"})}),
		"Ready":  object("Readiness", obj{"status": enum("", []string{"ok"}), "database": enum("", []string{"ok"})}),
	}
}

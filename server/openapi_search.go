package server

import "gridgis/grid"

// searchPaths documents the search box's endpoint (search.go).
func searchPaths() obj {
	query := func(name, desc string, required bool, schema obj) obj {
		return obj{"name": name, "in": "query", "required": required, "description": desc, "schema": schema}
	}
	return obj{
		"/api/v1/search": obj{"get": op("service", "Search (搜索)",
			"Organizations (by credit code, name or address), requests (by number `#123` or title), liaisons (by name) "+
				"and grids (by code or name), within the caller's scope: officers find their grids' organizations, "+
				"requests and liaisons, a liaison their own organizations, the requests handed to them or about them, "+
				"and themself; every role finds every grid. A query of fewer than three characters matches only the "+
				"beginnings of names and codes; longer ones match anywhere. Results come grouped by kind (org, "+
				"request, liaison, grid), each kind ranked: exact (whole credit code, grid code or request number), "+
				"then prefix, then contains, and within that by trigram similarity to the name. Of a query matching "+
				"very many names, the first 500 substring matches of a kind are ranked.",
			[]obj{
				query("q", "What to look for: 1 to 100 characters of valid UTF-8, spaces trimmed.", true,
					obj{"type": "string", "minLength": 1, "maxLength": grid.MaxSearchRunes}),
				query("limit", "Results per kind.", false,
					obj{"type": "integer", "minimum": 1, "maximum": grid.MaxSearchLimit, "default": grid.DefaultSearchLimit}),
			},
			protected(obj{"200": jsonResponse("What was found", "SearchResults"), "400": responseRef("BadRequest")}))},
	}
}

// searchSchemas describe the answer.
func searchSchemas() obj {
	coords := func(n int, desc string) obj {
		return nullable(obj{"type": "array", "minItems": n, "maxItems": n, "items": obj{"type": "number"}, "description": desc})
	}
	return obj{
		"SearchResults": object("The results, grouped by kind in the order org, request, liaison, grid", obj{
			"query": str("the query as searched: trimmed, runs of spaces as one"),
			"results": arrayOf(object("One result", obj{
				"kind":     enum("what it is; the id is of that resource", grid.SearchKinds),
				"id":       integer("the organization's, request's, liaison's or grid's id"),
				"label":    str("name or title"),
				"sublabel": str("org: credit code · address · grid; request: #number · status (Chinese) · organization, open ones first; liaison: grid; grid: code · industry"),
				"match":    enum("how it matched, best first", []string{"exact", "prefix", "contains"}),
				"point":    coords(2, "[lon, lat] (WGS84) to fly to; null for an organization not yet located"),
				"bbox":     coords(4, "[minLon, minLat, maxLon, maxLat] to fit: a grid's extent; null for the rest"),
			})),
		}),
	}
}

package server

// gridImportPaths documents the grid boundary import (gridimport.go).
func gridImportPaths() obj {
	q := func(name, desc string, schema obj) obj {
		return obj{"name": name, "in": "query", "required": false, "description": desc, "schema": schema}
	}
	file := obj{"type": "string", "format": "binary"}
	params := []obj{
		q("crs", "The coordinates' system: wgs84 (default), cgcs2000, gcj02, bd09; applied after a .prj (which cannot name GCJ-02 or BD-09).",
			obj{"type": "string", "enum": []string{"wgs84", "cgcs2000", "gcj02", "bd09"}, "default": "wgs84"}),
		q("dry_run", "true: check the file and preview the change (organizations that change grid, liaison loads "+
			"that leave 5–8), writing nothing.", obj{"type": "boolean", "default": false}),
		q("format", "The file's format; from the media type, the file name or the content when absent.",
			obj{"type": "string", "enum": []string{"geojson", "kml", "zip", "gpkg"}}),
		q("zone", "The zone (id or code), for a user of every zone; others import into their own.", obj{"type": "string"}),
		q("preview", "A preview's preview_key: the real run commits only if the file's grids and the zone's are those "+
			"the preview saw, else it is refused with a problem of field preview.", obj{"type": "string"}),
		q("zone_boundary", "from_grids: the zone's boundary becomes the union of the file's grids in the same change "+
			"(audited as zone_boundary with the old one), so a zone can shrink or be redrawn inward; the report's zone "+
			"gives the areas and the organizations left outside. A hole in the union inside the old boundary is refused as a gap.",
			obj{"type": "string", "enum": []string{"from_grids"}}),
	}
	return obj{
		importGridsPath: obj{"post": merged(op("import", "Import grid boundaries (网格边界导入)",
			"Admins. Polygon/MultiPolygon features with a code (code/编码/网格编码), a name and an industry "+
				"(industry/行业/主导产业): GeoJSON, KML or KMZ, a GeoPackage, or a zip holding a Shapefile (its DBF read "+
				"as GBK unless a .cpg says otherwise; its .prj honoured) or a MapInfo TAB. The file is the zone's whole "+
				"set of grids: grids matched by code are updated, new codes inserted, and the zone's grids missing from "+
				"the file removed (refused while liaisons, users or organizations placed by hand hold one). Refused, "+
				"with the feature and the reason and nothing written: unclosed rings, rings under 4 positions, "+
				"self-intersections (with the point), coordinates out of range or not finite, more vertices than the "+
				"cap, overlaps between grids and gaps inside the zone (with the area in m²). A real run re-runs the "+
				"rule 行业归口、属地兜底, ends the assignments of organizations that leave their liaison's grid (pinned "+
				"ones stay) and audits each move. Runs as a job: 202, then GET /api/v1/jobs/{id}, whose result is the "+
				"GridImportReport.",
			params, protected(obj{
				"202": obj{"description": "The job, queued", "headers": obj{"Location": obj{
					"description": "/api/v1/jobs/{id}", "schema": obj{"type": "string"}}},
					"content": content("application/json", schemaRef("Job"))},
				"400": responseRef("BadRequest"), "403": responseRef("Forbidden"), "409": responseRef("Conflict"), "413": responseRef("TooLarge"),
			})), obj{"requestBody": obj{"required": true, "content": obj{
			"application/geo+json": obj{"schema": file}, "application/vnd.google-earth.kml+xml": obj{"schema": file},
			"application/zip": obj{"schema": file}, "application/geopackage+sqlite3": obj{"schema": file},
			"multipart/form-data": obj{"schema": obj{"type": "object", "required": []string{"file"},
				"properties": obj{"file": file}}},
		}}})},
	}
}

func gridImportSchemas() obj {
	count := func(desc string) obj { return obj{"type": "integer", "minimum": 0, "description": desc} }
	point := obj{"type": "array", "items": obj{"type": "number"}, "description": "where it is (WGS84 longitude, latitude)"}
	return obj{
		"GridImportReport": object("What a grid boundary import did, or on a dry run would do", obj{
			"dry_run": boolean(""), "written": boolean("the grids were stored"),
			"format":   str("geojson, kml, shapefile, mapinfo or gpkg"),
			"features": count("features read"),
			"inserted": count("grids added"), "updated": count("grids changed"), "unchanged": count(""),
			"removed":        count("grids of the zone missing from the file, removed"),
			"removed_codes":  arrayOf(str("a removed grid's code")),
			"preview_key":    str("names what this run saw; send it as ?preview= to commit only that"),
			"moved":          count("organizations that change grid"),
			"liaisons_ended": count("assignments that end because the organization leaves its liaison's grid"),
			"rereasoned":     count("organizations that stay in their grid for another reason (rewritten and audited)"),
			"errors": arrayOf(merged(object("Why the file is refused", obj{
				"feature": count("the feature, from 1 in file order; 0: the zone or the file as a whole"),
				"field":   str("geometry, code, name, industry, file or preview"),
				"reason":  str("the reason, in Chinese"),
			}), obj{"properties": obj{
				"feature": count("the feature, from 1 in file order; 0: the zone or the file as a whole"),
				"field":   str("geometry, code, name, industry, file or preview"),
				"reason":  str("the reason, in Chinese"),
				"code":    str("the feature's grid code"), "point": point,
				"area_m2": number("an overlap's or a gap's area in square metres"),
				"other":   count("the other feature of an overlap"),
			}})),
			"error_count": count("problems in all; errors lists the first 10,000"),
			"changes": arrayOf(object("A grid the import inserts, updates or removes, with what changes", obj{
				"code": str(""), "action": str("insert, update or remove"),
				"name_from": str("before (empty: none)"), "name_to": str("after (empty: none)"),
				"industry_from": str(""), "industry_to": str(""), "officer_from": str(""), "officer_to": str(""),
				"instructor_from": str(""), "instructor_to": str(""),
				"area_from_m2": number("area before in square metres (0: none)"), "area_to_m2": number("area after"),
				"shape_changed": boolean("an updated grid's boundary changes"),
			})),
			"moves":     arrayOf(gridMove("An organization the rule puts in another grid")),
			"rereasons": arrayOf(gridMove("An organization that stays in its grid for another reason (from_grid = to_grid)")),
			"loads": arrayOf(object("A liaison whose load leaves their capacity", obj{
				"liaison_id": integer(""), "name": str(""), "grid": str("their home grid's code"),
				"before": count(""), "after": count(""), "min": count(""), "max": count(""),
			})),
			"zone": object("With zone_boundary=from_grids: the zone's new boundary", obj{
				"area_from_m2": number("the zone's area before, m²"), "area_to_m2": number("after: the grids' union"),
				"orgs_outside":       count("organizations the old boundary covered that the new one leaves out (they stay, by the nearest grid)"),
				"orgs_outside_names": arrayOf(str("a few of their names")),
			}),
		}),
	}
}

// gridMove is the schema of grid.GridMove.
func gridMove(desc string) obj {
	return object(desc, obj{
		"org_id": integer(""), "name": str(""), "uscc": str(""),
		"from_grid": str("its grid's code before (empty: none)"), "to_grid": str("its grid's code after"),
		"reason":        str("the rule's reason: industry, territory or nearest"),
		"from_reason":   str("its reason before (empty: none)"),
		"liaison_ended": boolean("its assignment ends: its liaison's home grid is another"),
	})
}

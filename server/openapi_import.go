package server

import "gridgis/grid"

// importPaths documents the imports (import.go) and their jobs (job.go).
func importPaths() obj {
	q := func(name, desc string, schema obj) obj {
		return obj{"name": name, "in": "query", "required": false, "description": desc, "schema": schema}
	}
	file := obj{"type": "string", "format": "binary"}
	params := []obj{
		q("crs", "The coordinates' system: wgs84 (default), cgcs2000 (taken as WGS84), gcj02 (Amap, Tencent), bd09 (Baidu).",
			obj{"type": "string", "enum": []string{"wgs84", "cgcs2000", "gcj02", "bd09"}, "default": "wgs84"}),
		q("dry_run", "true: check every row and report, writing nothing.", obj{"type": "boolean", "default": false}),
		q("encoding", "A CSV's encoding; guessed when absent (a BOM or valid UTF-8 is UTF-8, else GBK).",
			obj{"type": "string", "enum": []string{"utf-8", "gbk"}}),
		q("sheet", "An XLSX's sheet; the first when absent.", obj{"type": "string"}),
		q("format", "The file's format; from the media type, the file name or the content when absent.",
			obj{"type": "string", "enum": []string{"csv", "xlsx", "geojson"}}),
		q("mapping", `The column mapping, correcting the one guessed from the header: JSON {"0": "name", "1": "uscc", …} `+
			`or ["name", "uscc", "", …] (column index from 0 → field; "" not read). Also a multipart field.`, obj{"type": "string"}),
		q("zone", "The zone (id or code), for a user of every zone; others import into their own.", obj{"type": "string"}),
	}
	return obj{
		"/api/v1/import/organizations": obj{"post": merged(op("import", "Import an organization register (企业名录导入)",
			"Admins. The file comes as the raw body (text/csv, the XLSX media type, application/geo+json) or as the "+
				"multipart field file; its size is capped (413 names the cap). The import runs as a job: the answer is "+
				"202 with the job and Location /api/v1/jobs/{id}, whose result, once done, is the ImportReport. Every "+
				"row is checked; problems come as {row, field, reason} in Chinese. A real run is all or nothing: rows "+
				"whose credit code the zone holds update it, others insert, then the rule 行业归口、属地兜底 runs for them; "+
				"rows without coordinates come in unlocated, for placing on the map; a row states only the columns it "+
				"maps and the cells it fills, the rest of an existing organization stays. A dry run (and a file with a "+
				"problem) writes and rolls back, so its report counts what would change. While an import or dry run "+
				"writes into the zone, another is answered 409 (该园区正在导入); while the process runs its most jobs "+
				"(GRIDGIS_IMPORT_JOBS), 429 busy with Retry-After.",
			params, protected(obj{
				"202": obj{"description": "The job, queued", "headers": obj{"Location": obj{
					"description": "/api/v1/jobs/{id}", "schema": obj{"type": "string"}}},
					"content": content("application/json", schemaRef("Job"))},
				"400": responseRef("BadRequest"), "403": responseRef("Forbidden"), "409": responseRef("Conflict"), "413": responseRef("TooLarge"),
				"429": responseRef("Busy"),
			})), obj{"requestBody": obj{"required": true, "content": obj{
			"text/csv": obj{"schema": file}, xlsxType: obj{"schema": file}, geoJSON: obj{"schema": file},
			"multipart/form-data": obj{"schema": obj{"type": "object", "required": []string{"file"},
				"properties": obj{"file": file, "mapping": str("the column mapping, as the query parameter")}}},
		}}})},
		"/api/v1/jobs/{id}": obj{"get": op("import", "A job's progress and result",
			"For the job's creator and the admins of its zone; to anyone else it does not exist (404). Progress "+
				"also comes on the event stream (/api/v1/events, event job) to the creator.",
			[]obj{paramRef("id")}, protected(obj{
				"200": jsonResponse("The job", "Job"), "400": responseRef("BadRequest"), "404": responseRef("NotFound"),
			}))},
	}
}

func importSchemas() obj {
	count := func(desc string) obj { return obj{"type": "integer", "minimum": 0, "description": desc} }
	problem := object("A problem of one row", obj{
		"row":    count("the row as the clerk sees it (the spreadsheet row; 0: the file as a whole)"),
		"field":  str("the field: name, uscc, location, lng, lat, industry, kind, mapping, file, …"),
		"reason": str("the reason, in Chinese"),
	})
	problem["properties"].(obj)["point"] = obj{"type": "array", "items": obj{"type": "number"},
		"description": "where a row outside the zone lies (WGS84)"}
	return obj{
		"Job": obj{"type": "object", "description": "Large work run by the server, with its progress",
			"required": []string{"id", "zone_id", "kind", "status", "created_at", "started_at", "finished_at",
				"total", "done", "errors", "result"},
			"properties": obj{
				"id": integer(""), "zone_id": integer(""), "kind": enum("", []grid.JobKind{grid.JobImportOrgs, grid.JobImportGrids}),
				"status":     enum("queued → running → done (the result says what came of it) or failed (error)", []grid.JobStatus{grid.JobQueued, grid.JobRunning, grid.JobDone, grid.JobFailed}),
				"created_by": integer("who started it"), "created_at": dateTime(""),
				"started_at": nullable(dateTime("")), "finished_at": nullable(dateTime("")),
				"total": count("steps to do (0 while not known): an import checks each row, and a real one then writes it"),
				"done":  count("steps done"), "errors": count("problems found so far"),
				"result": nullable(obj{"description": "ImportReport (import_orgs) or GridImportReport (import_grids)",
					"oneOf": []obj{schemaRef("ImportReport"), schemaRef("GridImportReport")}}),
				"error": str("why it failed"),
			}},
		"ImportReport": object("What an import did, or on a dry run or with problems would do", obj{
			"dry_run": boolean(""), "written": boolean("the rows were stored"),
			"inserted": count(""), "updated": count(""), "unchanged": count(""),
			"regridded": count("organizations already in the zone whose grid the rule changed (new ones come in with theirs)"),
			"total":     count("data rows read"), "valid": count("rows without a problem"), "invalid": count("rows with one"),
			"unlocated": arrayOf(object("A row without coordinates, to be placed on the map", obj{
				"row": count(""), "name": str(""), "uscc": str(""),
			})),
			"errors":          arrayOf(problem),
			"error_count":     count("problems in all; errors lists the first 10,000"),
			"unlocated_count": count("rows without coordinates in all; unlocated lists the first 10,000"),
			"header":          nullable(arrayOf(obj{"type": "string"})),
			"header_row":      count("the header's row"),
			"mapping": nullable(obj{"type": "object", "description": "column index (from 0) → field",
				"additionalProperties": obj{"type": "string"}}),
		}),
	}
}

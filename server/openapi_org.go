package server

import "gridgis/grid"

// createOrgOp documents POST /api/v1/organizations.
func createOrgOp() obj {
	return withBody(op("organizations", "Register an organization",
		"In the caller's zone, at a point inside the zone. The rule 行业归口、属地兜底 gives its grid; an officer may "+
			"register only what it puts in their grids (else 403 naming the deciding field, industry or geometry). "+
			"Only admins may leave out the geometry: the organization is then unlocated (待定位), without a grid "+
			"until placed. A credit code already registered in the zone answers 409 naming uscc. Audited.",
		[]obj{{"name": "zone", "in": "query", "required": false, "schema": obj{"type": "string"},
			"description": "The zone (id or code), for a user of every zone when there are several; others register in their own."}},
		protected(obj{
			"201": obj{"description": "The new organization", "content": content(geoJSON, schemaRef("OrgFeature")),
				"headers": obj{"Location": obj{"description": "the organization's URL", "schema": obj{"type": "string"}}}},
			"400": responseRef("BadRequest"), "403": responseRef("Forbidden"), "409": responseRef("Conflict"),
			"413": responseRef("TooLarge"),
		})), "OrgInput")
}

// orgWritePaths documents retirement.
func orgWritePaths() obj {
	return obj{
		"/api/v1/organizations/{id}/retire": obj{"post": withBody(op("organizations",
			"Retire an organization (迁出 / 注销)",
			"moved_out (迁出) or deregistered (注销) on a date, at the version last read (else 409). Never a delete: "+
				"the row and its history stay and GET still answers it, but it leaves the map, lists (see `status`) "+
				"and coverage, and its liaison assignment ends. Admins and the officers of its grid. Audited.",
			[]obj{paramRef("id")},
			protected(obj{
				"200": geoJSONResponse("The retired organization", "OrgFeature"),
				"400": responseRef("BadRequest"), "403": responseRef("Forbidden"), "404": responseRef("NotFound"),
				"409": responseRef("Conflict"), "413": responseRef("TooLarge"),
			})), "OrgRetire")},
	}
}

func orgWriteParameters() obj {
	query := func(name, desc string, schema obj) obj {
		return obj{"name": name, "in": "query", "required": false, "description": desc, "schema": schema}
	}
	return obj{
		"orgStatus": query("status", "active (the default), retired (moved out or deregistered) or all.",
			enum("", grid.OrgStatusFilters)),
		"located": query("located", "true (the default): organizations with coordinates; false: the unlocated "+
			"ones (待定位), which an officer sees for their zone to place them.", obj{"type": "boolean"}),
	}
}

func orgWriteSchemas() obj {
	// An unlocated organization (待定位) has a null geometry.
	orgFeature := object("An organization; an unlocated one (待定位) has a null geometry", obj{
		"type": enum("", []string{"Feature"}), "id": integer("the row id"),
		"geometry":   obj{"nullable": true, "allOf": []obj{schemaRef("Point")}},
		"properties": schemaRef("OrgProperties"),
	})
	orgFeature["properties"].(obj)["bbox"] = obj{"type": "array", "minItems": 4, "maxItems": 4,
		"items": obj{"type": "number"}, "description": "minLon, minLat, maxLon, maxLat (an unlocated one: its zone's)"}
	return obj{
		"OrgFeature": orgFeature,
		"OrgInput": obj{"type": "object", "additionalProperties": false,
			"required":    []string{"name", "uscc", "kind", "industry"},
			"description": "A new organization; party_org defaults to none.",
			"properties": obj{
				"name":          obj{"type": "string", "minLength": 1, "maxLength": 100},
				"uscc":          obj{"type": "string", "pattern": "^[0-9A-HJ-NPQRTUWXY]{18}$", "description": "统一社会信用代码 (GB 32100)"},
				"kind":          enum("", grid.OrgKinds),
				"industry":      obj{"type": "string", "minLength": 1, "maxLength": 50},
				"employees":     obj{"type": "integer", "minimum": 0, "maximum": 2147483647},
				"party_members": obj{"type": "integer", "minimum": 0, "maximum": 2147483647},
				"party_org":     enum("", grid.PartyOrgs),
				"high_tech":     obj{"type": "boolean"},
				"specialized":   obj{"type": "boolean"},
				"address":       obj{"type": "string", "maxLength": 200},
				"geometry":      nullable(obj{"allOf": []obj{schemaRef("Point")}, "description": "WGS84; admins may omit it"}),
			}},
		"OrgRetire": obj{"type": "object", "additionalProperties": false,
			"required": []string{"kind", "date", "version"},
			"properties": obj{
				"kind":    enum("moved_out (迁出) or deregistered (注销)", []grid.OrgStatus{grid.StatusMovedOut, grid.StatusDeregistered}),
				"date":    obj{"type": "string", "format": "date"},
				"note":    obj{"type": "string", "maxLength": 200},
				"version": obj{"type": "integer", "minimum": 1, "maximum": 2147483647, "description": "the version last read"},
			}},
	}
}

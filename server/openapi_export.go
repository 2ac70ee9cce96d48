package server

// exportPaths documents the downloads (export.go).
func exportPaths() obj {
	file := func(desc, mime string) obj {
		return obj{"description": desc,
			"headers": obj{"Content-Disposition": obj{
				"description": "attachment; filename=\"ASCII fallback\"; filename*=UTF-8''the Chinese file name (RFC 5987)",
				"schema":      obj{"type": "string"}}},
			"content": content(mime, obj{"type": "string", "format": "binary"})}
	}
	answers := func(desc, mime string) obj {
		return protected(obj{"200": file(desc, mime), "400": responseRef("BadRequest"), "403": responseRef("Forbidden"),
			"429": responseRef("Busy")})
	}
	orgParams := []obj{paramRef("grid"), paramRef("industry"), paramRef("kind"), paramRef("party_org"), paramRef("q"), paramRef("gap")}
	scope := " Within the caller's scope: officers their grids, a liaison their organizations. Audited (who, filters, rows)."
	orgs := func(format, desc, mime string) obj {
		return obj{"get": op("export", "The organization register as "+format,
			desc+" Active organizations, with their grid's and liaison's names."+scope,
			orgParams, answers("The register", mime))}
	}
	ledger := []obj{paramRef("month"), paramRef("from"), paramRef("to")}
	return obj{
		"/api/v1/export/organizations.csv": orgs("CSV",
			"UTF-8 with a byte order mark, Chinese heads (名称, 统一社会信用代码, 经度, 纬度 …, the heads the register "+
				"import reads); text cells beginning with =, +, -, @, tab or CR get a leading apostrophe.", csvType),
		"/api/v1/export/organizations.xlsx": orgs("XLSX",
			"One titled sheet 企业名录 with a frozen header row; coordinates and counts as numbers.", xlsxType),
		"/api/v1/export/organizations.geojson": orgs("GeoJSON",
			"A FeatureCollection of points in WGS84 with the API's property keys and codes.", geoJSON),
		"/api/v1/export/organizations.kml": orgs("KML",
			"Placemarks in WGS84 with the register's columns as ExtendedData (for Google Earth, 奥维).", kmlType),
		"/api/v1/export/requests.xlsx": obj{"get": op("export", "The request ledger (诉求台账) as XLSX",
			"Every request reported in the month or the range (default: all), by status and grid, with its "+
				"organization, grid, liaison, unit, SLA standing, times in China Standard Time, resolution and "+
				"satisfaction."+scope,
			append([]obj{paramRef("status"), paramRef("grid")}, ledger...), answers("The ledger", xlsxType))},
		"/api/v1/export/contacts.xlsx": obj{"get": op("export", "The contact and visit ledger (联系走访台账) as XLSX",
			"Contacts and visits made in the month or the range (default: the current month), oldest first, with "+
				"organization, grid and liaison."+scope, ledger, answers("The ledger", xlsxType))},
		"/api/v1/export/visits.xlsx": obj{"get": op("export", "The visit ledger (走访台账) as XLSX",
			"The visits alone, as in the contact ledger."+scope, ledger, answers("The ledger", xlsxType))},
		"/api/v1/export/monthly.xlsx": obj{"get": op("export", "The monthly report (月报) as XLSX",
			"Sheets: coverage indicators by grid and the zone total (at the export; a zone-wide aggregate for every role, as on the map), the month's request KPIs "+
				"by grid and by liaison, overdue requests and organizations overdue for a contact or visit (at the "+
				"export). Each sheet titled, header row frozen."+scope,
			[]obj{paramRef("reportMonth")}, answers("The report", xlsxType))},
	}
}

func exportParameters() obj {
	month := func(required bool, desc string) obj {
		return obj{"name": "month", "in": "query", "required": required, "description": desc,
			"schema": obj{"type": "string", "pattern": `^\d{4}-\d{2}$`, "example": "2025-06"}}
	}
	return obj{
		"month":       month(false, "A calendar month (China Standard Time), instead of from and to."),
		"reportMonth": month(true, "The month of the report (China Standard Time); not one to come."),
	}
}

func exportResponses() obj {
	return obj{"Busy": obj{"description": "Too many expensive requests at once: retry after Retry-After seconds.",
		"content": content("application/problem+json", schemaRef("Problem"))}}
}

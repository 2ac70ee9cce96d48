package server

import (
	"gridgis/geo"
	"gridgis/grid"
)

// baseLayerPaths documents the zone's base layer (baselayer.go).
func baseLayerPaths() obj {
	q := func(name, desc string, schema obj) obj {
		return obj{"name": name, "in": "query", "required": false, "description": desc, "schema": schema}
	}
	file := obj{"type": "string", "format": "binary"}
	return obj{
		"/api/v1/tiles/base/{z}/{x}/{y}.mvt": obj{"get": op("tiles", "A tile of the zone's base layer (streets, place names)",
			"What the map draws when no external basemap is configured: layers areas, roads and places of the caller's zone "+
				"(every zone's for a user of every zone). Minor roads from zoom 13, secondary from 11; lines simplified to the "+
				"tile's resolution; at most a few thousand features a tile, the most important first. An empty tile answers 204.",
			[]obj{paramRef("z"), paramRef("x"), paramRef("y"), paramRef("If-None-Match")},
			protected(obj{
				"200": obj{"description": "The tile, with a strong ETag", "content": content(mvtType,
					obj{"type": "string", "format": "binary"})},
				"204": obj{"description": "No features in this tile"},
				"304": responseRef("NotModified"),
				"400": responseRef("BadRequest"),
			}))},
		"/api/v1/tiles/base.json": obj{"get": op("tiles", "TileJSON of the base layer",
			"The tile URL template, bounds of the caller's zone's base features and the three layers' fields.", nil,
			protected(obj{"200": jsonResponse("The TileJSON 3.0 document", "BaseTileJSON"), "400": responseRef("BadRequest")}))},
		"/api/v1/import/roads": obj{"post": merged(op("import", "Load the zone's base layer (底图图层导入)",
			"Admins. Lines are roads, points place names, polygons water or green areas; name from name/名称/道路名称/路名/地名, "+
				"class from class/fclass/highway/等级/道路等级 (主干路, 次干路, 支路, OSM highway values). GeoJSON, KML or KMZ, a "+
				"GeoPackage or a zipped Shapefile. Features that cannot be drawn (no geometry, a collection, a line of one point, "+
				"a place without a name, coordinates out of range) or that lie more than 2 km outside the zone are left out and "+
				"listed; the rest are added to the zone's base layer (replace=true: in place of it). A file of which nothing "+
				"can be loaded is refused (422) and writes nothing.",
			[]obj{
				q("crs", "The coordinates' system: wgs84 (default), cgcs2000, gcj02, bd09.",
					obj{"type": "string", "enum": []string{"wgs84", "cgcs2000", "gcj02", "bd09"}, "default": "wgs84"}),
				q("dry_run", "true: check and count, writing nothing.", obj{"type": "boolean", "default": false}),
				q("replace", "true: the file replaces the zone's base layer.", obj{"type": "boolean", "default": false}),
				q("format", "The file's format; from the file name or the content when absent.",
					obj{"type": "string", "enum": []string{"geojson", "kml", "zip", "gpkg"}}),
				q("zone", "The zone (id or code), for a user of every zone; others load into their own.", obj{"type": "string"}),
			},
			protected(obj{
				"200": jsonResponse("What was loaded and what was refused", "BaseImportReport"),
				"400": responseRef("BadRequest"), "403": responseRef("Forbidden"), "413": responseRef("TooLarge"),
				"429": responseRef("Busy"),
			})), obj{"requestBody": obj{"required": true, "content": obj{
			"application/geo+json": obj{"schema": file}, "application/vnd.google-earth.kml+xml": obj{"schema": file},
			"application/zip": obj{"schema": file}, "application/geopackage+sqlite3": obj{"schema": file},
			"multipart/form-data": obj{"schema": obj{"type": "object", "required": []string{"file"},
				"properties": obj{"file": file}}},
		}}})},
	}
}

func baseLayerSchemas() obj {
	count := func(desc string) obj { return obj{"type": "integer", "minimum": 0, "description": desc} }
	layerIDs := make([]string, len(grid.BaseTileLayers))
	for i, l := range grid.BaseTileLayers {
		layerIDs[i] = string(l.Layer)
	}
	layer := object("A layer of the tiles", obj{
		"id": enum("", layerIDs), "description": str(""),
		"minzoom": obj{"type": "integer"}, "maxzoom": obj{"type": "integer"},
		"fields": obj{"type": "object", "description": "attribute name → Number, String or Boolean",
			"additionalProperties": enum("", []string{"Number", "String", "Boolean"})},
	})
	return obj{
		"BaseTileJSON": object("A TileJSON 3.0.0 document of the base layer", obj{
			"tilejson": enum("", []string{"3.0.0"}), "name": str(""), "description": str(""),
			"scheme":  enum("", []string{"xyz"}),
			"tiles":   arrayOf(str("absolute tile URL template")),
			"minzoom": obj{"type": "integer", "minimum": 0}, "maxzoom": obj{"type": "integer", "maximum": geo.MaxTileZoom},
			"bounds":        obj{"type": "array", "minItems": 4, "maxItems": 4, "items": obj{"type": "number"}},
			"center":        obj{"type": "array", "minItems": 3, "maxItems": 3, "items": obj{"type": "number"}},
			"vector_layers": arrayOf(layer),
		}),
		"BaseImportReport": object("What a base layer import loaded, or on a dry run would load", obj{
			"format": str("geojson, kml, shapefile, mapinfo or gpkg"), "features": count("features in the file"),
			"loaded": obj{"type": "object", "description": "features loaded by kind (road, place, area)",
				"additionalProperties": obj{"type": "integer", "minimum": 0}},
			"removed": count("the zone's features replace=true deleted"),
			"problems": arrayOf(merged(object("A feature left out", obj{
				"feature": count("the feature, from 1 in file order"), "field": str("geometry or name"),
				"reason": str("the reason, in Chinese"),
			}), obj{"properties": obj{
				"feature": count("the feature, from 1 in file order"), "field": str("geometry or name"),
				"reason": str("the reason, in Chinese"), "name": str("its name, if it has one"),
				"point": obj{"type": "array", "items": obj{"type": "number"}, "description": "where it is (longitude, latitude)"},
			}})),
			"problem_count": count("features left out in all; problems lists the first 1,000"),
			"dry_run":       boolean(""),
		}),
	}
}

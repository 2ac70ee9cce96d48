package server

import (
	"encoding/base64"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"gridgis/geo"
	"gridgis/grid"
)

// allowParams refuses query parameters outside the allow-list, and any
// given twice, naming the first offender.
func allowParams(c *fiber.Ctx, allowed ...string) error {
	var err error
	seen := map[string]bool{}
	c.Context().QueryArgs().VisitAll(func(k, _ []byte) {
		if err != nil {
			return
		}
		key := string(k)
		switch {
		case key == "":
			err = grid.Invalid("query", "a parameter without a name")
		case !slices.Contains(allowed, key):
			err = grid.Invalid(key, "unknown query parameter")
		case seen[key]:
			err = grid.Invalid(key, "given more than once")
		}
		seen[key] = true
	})
	return err
}

// intParam reads an optional integer query parameter within [min, max].
func intParam(c *fiber.Ctx, name string, def, min, max int) (int, error) {
	raw := c.Query(name)
	if raw == "" {
		return def, nil
	}
	v, err := strconv.Atoi(raw)
	if err != nil || v < min || v > max {
		return 0, grid.Invalid(name, "must be an integer from %d to %d", min, max)
	}
	return v, nil
}

// idParam reads an optional positive row id.
func idParam(c *fiber.Ctx, name string) (*int64, error) {
	raw := c.Query(name)
	if raw == "" {
		return nil, nil
	}
	v, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || v <= 0 {
		return nil, grid.Invalid(name, "must be a positive integer id")
	}
	return &v, nil
}

// Cursors are opaque to clients: base64url of the last id of the page.
func encodeCursor(lastID int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(lastID, 10)))
}

func decodeCursor(c *fiber.Ctx) (int64, error) {
	raw := c.Query("cursor")
	if raw == "" {
		return 0, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(raw)
	if err == nil {
		if id, perr := strconv.ParseInt(string(b), 10, 64); perr == nil && id > 0 {
			return id, nil
		}
	}
	return 0, grid.Invalid("cursor", "not a cursor this API returned")
}

// bboxParam reads an optional bbox=minLon,minLat,maxLon,maxLat.
func bboxParam(c *fiber.Ctx) (*geo.BBox, error) {
	raw := c.Query("bbox")
	if raw == "" {
		return nil, nil
	}
	b, err := geo.ParseBBox(raw)
	if err != nil {
		return nil, grid.Invalid("bbox", "%v", err)
	}
	return &b, nil
}

// enumParam reads an optional parameter that must be one of allowed.
func enumParam[T ~string](c *fiber.Ctx, name string, allowed []T) (*T, error) {
	raw := c.Query(name)
	if raw == "" {
		return nil, nil
	}
	v := T(raw)
	if !slices.Contains(allowed, v) {
		names := make([]string, len(allowed))
		for i, a := range allowed {
			names[i] = string(a)
		}
		return nil, grid.Invalid(name, "must be one of %s", strings.Join(names, ", "))
	}
	return &v, nil
}

// textParam reads an optional free-text parameter of at most max
// characters.
func textParam(c *fiber.Ctx, name string, max int) (*string, error) {
	raw := strings.TrimSpace(c.Query(name))
	if raw == "" {
		return nil, nil
	}
	// NUL never matches stored text, which PostgreSQL refuses to hold.
	if !utf8.ValidString(raw) || strings.ContainsRune(raw, 0) || utf8.RuneCountInString(raw) > max {
		return nil, grid.Invalid(name, "must be valid text of at most %d characters", max)
	}
	return &raw, nil
}

// boolParam reads an optional true/false parameter.
func boolParam(c *fiber.Ctx, name string) (*bool, error) {
	switch c.Query(name) {
	case "":
		return nil, nil
	case "true":
		v := true
		return &v, nil
	case "false":
		v := false
		return &v, nil
	}
	return nil, grid.Invalid(name, "must be true or false")
}

// pageParams reads limit (default def, at most max) and cursor.
func pageParams(c *fiber.Ctx, def, max int) (limit int, afterID int64, err error) {
	if limit, err = intParam(c, "limit", def, 1, max); err != nil {
		return 0, 0, err
	}
	afterID, err = decodeCursor(c)
	return limit, afterID, err
}

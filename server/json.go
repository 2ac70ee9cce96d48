package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"reflect"
	"strings"

	"github.com/gofiber/fiber/v2"

	"gridgis/grid"
)

// decodeJSON reads the request body into v, refusing other media types,
// malformed JSON, unknown fields and trailing data with a 400 problem
// that names the field where it can.
func decodeJSON(c *fiber.Ctx, v any) error {
	if ct := c.Get(fiber.HeaderContentType); !strings.HasPrefix(ct, fiber.MIMEApplicationJSON) {
		return grid.Invalid("Content-Type", "must be application/json")
	}
	// The raw body: c.Body() would inflate a Content-Encoding (and copy).
	dec := json.NewDecoder(bytes.NewReader(c.Request().Body()))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil && dec.Decode(&struct{}{}) != io.EOF {
		return grid.Invalid("body", "must hold a single JSON object")
	}
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &typeErr) && typeErr.Field == "":
		return grid.Invalid("body", "must be a JSON object") // an array, string or number at the top
	case errors.As(err, &typeErr):
		return grid.Invalid(typeErr.Field, "%s", jsonTypeWanted(typeErr.Type.Kind()))
	case errors.As(err, &syntaxErr), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return grid.Invalid("body", "malformed JSON")
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		field := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		if field == "" {
			field = "body" // a member named ""
		}
		return grid.Invalid(field, "unknown field")
	}
	return grid.Invalid("body", "malformed JSON")
}

// jsonTypeWanted says in words what a field of Go kind k takes, not the
// Go type's name (float64), as "English / 中文".
func jsonTypeWanted(k reflect.Kind) string {
	switch k {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "must be a whole number / 须为整数"
	case reflect.Float32, reflect.Float64:
		return "must be a number / 须为数字"
	case reflect.Bool:
		return "must be true or false / 须为 true 或 false"
	case reflect.String:
		return "must be a string / 须为文本"
	case reflect.Slice, reflect.Array:
		return "must be a JSON array / 须为列表"
	}
	return "must be a JSON object / 须为对象"
}

// limitBody refuses request bodies over n bytes with 413, before any
// handler reads them.
func limitBody(n int) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if len(c.Request().Body()) > n {
			return fiber.NewError(fiber.StatusRequestEntityTooLarge, "request body too large")
		}
		return c.Next()
	}
}

// refuseEncodedBodies answers 415 to any request with a Content-Encoding
// other than identity. Nothing in gridgis takes compressed bodies, and
// Fiber's c.Body() inflates them with no cap: a 2 KB double-gzip body
// would grow to gigabytes before any size check.
func refuseEncodedBodies(c *fiber.Ctx) error {
	enc := strings.TrimSpace(string(c.Request().Header.Peek(fiber.HeaderContentEncoding)))
	if enc != "" && !strings.EqualFold(enc, "identity") {
		return problem(c, fiber.StatusUnsupportedMediaType, "unsupported_encoding", fiber.HeaderContentEncoding,
			"不接受压缩的请求体 / compressed request bodies are not accepted")
	}
	return c.Next()
}

package server

import "gridgis/grid"

// requestAnswers are a request write's answers: ok and the problems.
func requestAnswers(ok obj) obj {
	ok["400"] = responseRef("BadRequest")
	ok["403"] = responseRef("Forbidden")
	ok["404"] = responseRef("NotFound")
	ok["409"] = responseRef("Conflict")
	ok["413"] = responseRef("TooLarge")
	return protected(ok)
}

// createRequestOp documents POST /api/v1/requests.
func createRequestOp() obj {
	o := withBody(op("requests", "Report a request (发现)",
		"Admins, officers (for organizations of their grids) and liaisons (their organizations) report requests. "+
			"An `Idempotency-Key` header makes retries safe: the same key with the same body answers the first "+
			"request again (200, `Idempotent-Replayed: true`); the same key with another body answers 422.",
		[]obj{{"name": "Idempotency-Key", "in": "header", "required": false,
			"description": "1 to 255 printable ASCII characters, unique per request you mean to report",
			"schema":      obj{"type": "string", "minLength": 1, "maxLength": grid.MaxIdempotencyKey}}},
		requestAnswers(obj{
			"201": jsonResponse("The new request", "Request"),
			"200": jsonResponse("A retry: the request the key first created", "Request"),
			"422": responseRef("Unprocessable"),
		})), "RequestInput")
	delete(o["responses"].(obj), "409")
	return o
}

// requestPaths documents the rest of the request loop and the live event
// stream.
func requestPaths() obj {
	return obj{
		"/api/v1/requests/{id}": obj{"get": op("requests", "One request with its whole history",
			"With `actions`: the steps the caller may take now. One outside the caller's scope is not found.",
			[]obj{paramRef("id")},
			protected(obj{"200": jsonResponse("The request", "Request"), "400": responseRef("BadRequest"),
				"404": responseRef("NotFound")}))},
		"/api/v1/requests/{id}/transitions": obj{"post": withBody(op("requests", "Move a request along the loop",
			"assign (交办: liaison_id and/or unit_id; the first hand-over only, an assigned request is handed on "+
				"with /reassign), start (整改), resolve (销号: note required), verify (复核: "+
				"satisfaction 1–5; never by whoever resolved it), send_back (返工: back to in_progress), reject (note "+
				"required). `version` must be the version last read: a stale version or a step the status does not "+
				"allow answers 409 and changes nothing. Each step writes one event in the same transaction.",
			[]obj{paramRef("id")},
			requestAnswers(obj{"200": jsonResponse("The request after the step", "Request")})), "TransitionInput")},
		"/api/v1/units": obj{"get": op("requests", "Alliance units (红领企服联盟成员单位)",
			"The units of the caller's zone that requests can be handed to (assign with unit_id).", nil,
			protected(obj{"200": jsonResponse("The units, by name", "UnitList")}))},
		"/api/v1/events": obj{"get": op("requests", "Live changes (server-sent events)",
			"A text/event-stream of `request` (a request's step), `contact` (a contact logged) and `resync` (reload: "+
				"events may have been missed) events, each with an `id`; only what the caller may see. A stream "+
				"lasts at most a few minutes; reconnect with `Last-Event-ID` (browsers' EventSource does) to miss nothing.",
			[]obj{{"name": "Last-Event-ID", "in": "header", "required": false,
				"description": "the id of the last event received", "schema": obj{"type": "string"}}},
			protected(obj{"200": obj{"description": "The event stream", "content": content("text/event-stream",
				obj{"type": "string"})}, "400": responseRef("BadRequest"),
				"429": obj{"description": "Too many streams open (8 per user): close one, retry after Retry-After seconds",
					"content": content("application/problem+json", schemaRef("Problem"))}}))},
	}
}

// requestSchemas are the request loop's bodies.
func requestSchemas() obj {
	id := func(desc string) obj { return nullable(integer(desc)) }
	event := object("One step of a request's history", obj{
		"id": integer(""), "at": dateTime(""), "actor_id": id("who took it; null for the SLA clock"),
		"actor_name": str(""), "action": enum("", append(append([]grid.RequestAction{}, grid.OfferedActions...), grid.ActionReport, grid.ActionSupervise)),
		"from_status": nullable(enum("null for the report", grid.RequestStatuses)),
		"to_status":   enum("", grid.RequestStatuses), "note": str(""),
		"data": obj{"type": "object", "description": "assign: liaison_id, unit_id; verify: satisfaction; supervise: level; " +
			"reassign: liaison_id, unit_id, from_liaison_id, from_unit_id; remind: liaison_id, unit_id, count"},
	})
	return obj{
		"UnitList": object("The alliance units", obj{"units": arrayOf(object("An alliance unit", obj{
			"id": integer(""), "zone_id": integer(""), "name": str(""), "contact": str(""),
			"kind": enum("", grid.UnitKinds),
		}))}),
		"RequestEvent": event,
		"Request": object("A request (诉求) with its history", obj{
			"id": integer(""), "zone_id": integer(""), "org_id": integer(""), "org_name": str(""),
			"grid_id": id(""), "location": object("The organization's point", obj{
				"type": enum("", []string{"Point"}), "coordinates": obj{"type": "array", "minItems": 2, "maxItems": 2,
					"items": obj{"type": "number"}}}),
			"title": str(""), "description": str(""),
			"category": enum("", grid.RequestCategories), "topic": enum("", grid.RequestTopics),
			"status": enum("", grid.RequestStatuses),
			"sla":    enum("green in time, yellow in the last 20 %, red overdue", []grid.SLAColour{grid.SLAGreen, grid.SLAYellow, grid.SLARed}),
			"supervision": enum("the card raised in the current phase",
				[]grid.Supervision{grid.SupervisionNone, grid.SupervisionYellow, grid.SupervisionRed}),
			"liaison_id": id(""), "unit_id": id(""), "reported_by": id(""), "resolved_by": id(""),
			"reported_at": dateTime(""), "response_due_at": dateTime("assignment due"), "due_at": dateTime("resolution due"),
			"assigned_at": nullable(dateTime("")), "resolved_at": nullable(dateTime("")), "closed_at": nullable(dateTime("")),
			"resolution":   str("the resolution note, or the reason for a rejection"),
			"satisfaction": nullable(obj{"type": "integer", "minimum": 1, "maximum": 5}),
			"rework_count": integer("times sent back"), "reminders": integer("催办 recorded"),
			"version": integer("for the next transition"),
			"events":  arrayOf(schemaRef("RequestEvent")),
			"actions": arrayOf(enum("the transitions, and reassign and remind (routes of their own)", grid.OfferedActions)),
		}),
		"RequestInput": obj{"type": "object", "required": []string{"org_id", "category", "title"}, "additionalProperties": false,
			"properties": obj{
				"org_id":      obj{"type": "integer", "minimum": 1},
				"category":    enum("sets the resolution deadline", grid.RequestCategories),
				"title":       obj{"type": "string", "minLength": 1, "maxLength": grid.MaxTitleLen},
				"description": obj{"type": "string", "maxLength": grid.MaxDescriptionLen},
				"topic":       enum("default operations", grid.RequestTopics),
			}},
		"TransitionInput": obj{"type": "object", "required": []string{"action", "version"}, "additionalProperties": false,
			"properties": obj{
				"action":       enum("", grid.TransitionActions),
				"version":      obj{"type": "integer", "minimum": 1, "maximum": 2147483647, "description": "the version last read"},
				"note":         obj{"type": "string", "maxLength": grid.MaxNoteLen},
				"liaison_id":   obj{"type": "integer", "minimum": 1, "description": "assign only"},
				"unit_id":      obj{"type": "integer", "minimum": 1, "description": "assign only"},
				"satisfaction": obj{"type": "integer", "minimum": 1, "maximum": 5, "description": "verify only"},
			}},
	}
}

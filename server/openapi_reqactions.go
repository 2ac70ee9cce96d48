package server

import "gridgis/grid"

// requestActionPaths documents 改派 and 催办 (request_actions.go).
func requestActionPaths() obj {
	return obj{
		"/api/v1/requests/{id}/reassign": obj{"post": withBody(op("requests", "Hand a request on (改派)",
			"Admins, and officers for requests of their grids, hand an assigned or in-progress request to another "+
				"liaison and/or alliance unit, with a reason (2–200 characters). An omitted liaison_id or unit_id stays "+
				"as it is, 0 clears it (liaison_id 0 hands the request to its unit alone, 不指定联络员); the result must "+
				"differ from the current assignees and keep a liaison or a unit (400 naming the field). Officers choose "+
				"liaisons of their grids only. The status and the deadline stay; the step is one `reassign` event (data: "+
				"liaison_id, unit_id, from_liaison_id, from_unit_id, and overdue: true when the deadline had passed, "+
				"接手时已超期) announced with its reason (`note`) to the old and new assignee and the grid's officers, "+
				"and an audit row. The on-time rate counts a late finish against the liaison and unit who held the "+
				"request when its deadline passed. A stale `version`, or a request reported (use assign), resolved or closed, is 409.",
			[]obj{paramRef("id")},
			requestAnswers(obj{"200": jsonResponse("The request after the step", "Request")})), "ReassignInput")},
		"/api/v1/requests/{id}/remind": obj{"post": withBody(op("requests", "Chase a request's assignee (催办)",
			"Admins, and officers for requests of their grids, record a reminder to the assignee of an assigned or "+
				"in-progress request, with an optional note (at most 200 characters). The request's `reminders` "+
				"goes up by one; the `remind` event (data: liaison_id, unit_id chased, count) reaches the assignee on "+
				"the live stream with its note, and the KPIs count it (`reminders`) in the period it was made, against "+
				"the liaison and unit chased. "+
				"A stale `version`, or a request not assigned or being worked, is 409.",
			[]obj{paramRef("id")},
			requestAnswers(obj{"200": jsonResponse("The request after the step", "Request")})), "RemindInput")},
	}
}

// requestActionSchemas are the bodies of 改派 and 催办.
func requestActionSchemas() obj {
	version := obj{"type": "integer", "minimum": 1, "maximum": 2147483647, "description": "the version last read"}
	return obj{
		"ReassignInput": obj{"type": "object", "required": []string{"version", "reason"}, "additionalProperties": false,
			"properties": obj{
				"version":    version,
				"liaison_id": obj{"type": "integer", "minimum": 0, "description": "the new liaison; 0: none (the unit alone); omitted: unchanged"},
				"unit_id":    obj{"type": "integer", "minimum": 0, "description": "the new alliance unit; 0: none; omitted: unchanged"},
				"reason":     obj{"type": "string", "minLength": grid.MinReasonLen, "maxLength": grid.MaxReasonLen},
			}},
		"RemindInput": obj{"type": "object", "required": []string{"version"}, "additionalProperties": false,
			"properties": obj{
				"version": version,
				"note":    obj{"type": "string", "maxLength": grid.MaxReminderLen},
			}},
	}
}

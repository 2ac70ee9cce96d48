package server

import (
	"gridgis/grid"
	"gridgis/grid/rebalance"
)

// rebalancePaths documents the rebalancer's routes and manual assignment.
func rebalancePaths() obj {
	planAnswers := func(extra obj) obj {
		return protected(merged(obj{
			"200": jsonResponse("The plan with its moves", "RebalancePlan"),
			"400": responseRef("BadRequest"), "403": responseRef("Forbidden"), "404": responseRef("NotFound"),
		}, extra))
	}
	create := op("rebalance", "Build an optimized liaison plan (draft)",
		"Admins only. Loads the zone's active liaisons, organizations, assignments and pins, and solves exactly "+
			"(min-cost flow with lower bounds): every liaison between min and max organizations, pinned pairs kept, "+
			"the most urgent organizations covered first (open requests, then new economic and social organizations), "+
			"travel short, and as few pairs moved as possible. "+
			"By default the plan never covers fewer organizations of any kind or priority class in a grid than the "+
			"current pairs the rules allow (allow_coverage_loss lifts this) and keeps total travel within +10 % of "+
			"the current total (max_travel_increase, null for no bound); `tradeoffs` says what the plan gives up and why. "+
			"The body is optional; without it each liaison keeps their own capacity and liaisons stay in their grid. "+
			"When no plan can meet the bounds the answer is 422 with the precise reason "+
			"(\"grid 新能源 has 4 organizations for 2 liaisons with min 5\"). The draft changes nothing until applied. Audited.",
		nil, protected(obj{
			"201": obj{"description": "The draft plan", "content": content("application/json", schemaRef("RebalancePlan")),
				"headers": obj{"Location": obj{"description": "the plan's URL", "schema": obj{"type": "string"}}}},
			"400": responseRef("BadRequest"), "403": responseRef("Forbidden"),
			"413": responseRef("TooLarge"), "422": responseRef("Infeasible"),
		}))
	create["requestBody"] = obj{"required": false, "content": content("application/json", schemaRef("RebalanceRequest"))}
	return obj{
		"/api/v1/rebalance/plans": obj{
			"post": create,
			"get": op("rebalance", "Rebalance plans", "Newest first, without their moves. Admins and planners.",
				[]obj{paramRef("zone"), paramRef("planLimit"), paramRef("cursor")},
				protected(obj{"200": jsonResponse("A page of plans", "RebalancePlanList"),
					"400": responseRef("BadRequest"), "403": responseRef("Forbidden")})),
		},
		"/api/v1/rebalance/capacity": obj{"get": op("rebalance", "How many liaisons full coverage would need, and where",
			"Admins and planners. Per grid (liaisons kept to their grid): its organizations, its liaisons and their "+
				"capacity (maximum loads added up), the organizations they cannot carry (uncoverable, by kind, and which: "+
				"those of least priority) and how many more liaisons, at new_liaison_max each, would cover them. "+
				"Organizations without a grid come as grid_id 0. Grids most in need first.",
			[]obj{paramRef("zone")},
			protected(obj{"200": jsonResponse("The capacity answer", "RebalanceCapacity"),
				"400": responseRef("BadRequest"), "403": responseRef("Forbidden")}))},
		"/api/v1/rebalance/plans/{id}": obj{"get": op("rebalance", "One rebalance plan",
			"With its moves and before/after metrics. Admins and planners.",
			[]obj{paramRef("id")}, planAnswers(obj{}))},
		"/api/v1/rebalance/plans/{id}/moves": obj{"get": op("rebalance", "A plan's moves as lines for the map",
			"One LineString per moved organization, from its old liaison's base through the organization to its new "+
				"liaison's base (an end is left out when there is no liaison on that side), in organization id order, "+
				"a page at a time. Admins and planners.",
			listParams(paramRef("id")),
			protected(obj{"200": geoJSONResponse("A page of moves", "MoveCollection"),
				"400": responseRef("BadRequest"), "403": responseRef("Forbidden"), "404": responseRef("NotFound")}))},
		"/api/v1/rebalance/plans/{id}/apply": obj{"post": op("rebalance", "Apply a draft plan",
			"Admins only. In one transaction: the moved organizations' assignments are closed (valid_to) and new ones "+
				"opened with cause rebalance, the plan is marked applied, and the change is audited. If the zone's "+
				"liaisons, organizations, open requests, assignments or pins changed since the plan was built, nothing "+
				"changes, the plan becomes stale and the answer is 409; so is applying a plan twice.",
			[]obj{paramRef("id")}, planAnswers(obj{
				"200": jsonResponse("The applied plan", "RebalancePlan"), "409": responseRef("PlanConflict"),
			}))},
		"/api/v1/organizations/{id}/liaison": obj{"put": withBody(op("liaisons", "Assign an organization's liaison by hand",
			"Closes the active assignment (valid_to) and opens one with cause manual; pinned pairs are never moved by "+
				"rebalancing; liaison_id null unassigns. Nothing is written when nothing changes (changed false). "+
				"Admins may give any active liaison of the organization's zone; an officer, for an organization of "+
				"their grid, a liaison of that same grid (one of their other grids: 403; one they cannot see: 400). "+
				"Other roles get 403 for an organization they can see, 404 for one they cannot. Audited.",
			[]obj{paramRef("id")},
			protected(obj{
				"200": jsonResponse("The organization's assignment after the change", "OrgLiaison"),
				"400": responseRef("BadRequest"), "403": responseRef("Forbidden"), "404": responseRef("NotFound"),
				"413": responseRef("TooLarge"),
			})), "LiaisonChange")},
	}
}

// rebalanceParameters are the plan listing's own parameters.
func rebalanceParameters() obj {
	return obj{
		"zone": obj{"name": "zone", "in": "query", "required": false, "description": "Only this zone's plans.",
			"schema": obj{"type": "integer", "format": "int64", "minimum": 1}},
		"planLimit": obj{"name": "limit", "in": "query", "required": false, "description": "The page size.",
			"schema": obj{"type": "integer", "minimum": 1, "maximum": maxPlanLimit, "default": defaultPlanLimit}},
	}
}

// rebalanceResponses are the rebalancer's own problem answers.
func rebalanceResponses() obj {
	problem := func(desc string) obj {
		return obj{"description": desc, "content": content("application/problem+json", schemaRef("Problem"))}
	}
	return obj{
		"Infeasible": problem("No plan can meet the bounds: code infeasible, and the detail says why " +
			"(too few organizations in a grid for its liaisons' minimum, or more pins than a liaison may carry)."),
		"PlanConflict": problem("The plan was applied already, or is stale: the zone's data changed after it was built. " +
			"Nothing was changed; build a new plan."),
	}
}

// rebalanceSchemas describes plans, metrics, moves and manual assignment.
func rebalanceSchemas() obj {
	metres := func(desc string) obj {
		return obj{"type": "number", "minimum": 0, "description": desc + ", metres"}
	}
	count := func(desc string) obj { return obj{"type": "integer", "minimum": 0, "description": desc} }
	classes := obj{}
	for _, c := range rebalance.PriorityClasses() {
		classes[string(c)] = schemaRef("ClassCoverage")
	}
	kinds := obj{}
	for _, k := range grid.OrgKinds {
		kinds[string(k)] = schemaRef("ClassCoverage")
	}
	weights := func(required bool) obj {
		props := obj{}
		for _, c := range rebalance.PriorityClasses() {
			props[string(c)] = metres("what leaving an organization of class " + string(c) + " uncovered costs")
		}
		if required {
			return object("Priority weights", props)
		}
		return obj{"type": "object", "additionalProperties": false, "description": "Priority weights to change", "properties": props}
	}
	bound := obj{"type": "integer", "minimum": 0, "maximum": rebalance.MaxLoad}
	options := object("The options a plan was built with", obj{
		"stability":           metres("what moving an organization away from its current liaison costs"),
		"keep_in_grid":        boolean("liaisons keep to organizations of their own grid"),
		"cross_grid_penalty":  metres("what a pair across grids costs when allowed"),
		"candidate_limit":     count("nearest liaisons each organization starts from (speed only: the plan is optimal either way)"),
		"weights":             weights(true),
		"allow_coverage_loss": boolean("the plan may cover fewer organizations of a kind or class than now"),
		"max_travel_increase": nullable(obj{"type": "number", "minimum": 0, "maximum": rebalance.MaxTravelIncrease,
			"description": "bound on total travel, a fraction of the current total (0.1: +10 %); null: none"}),
	})
	options["properties"].(obj)["min"] = merged(bound, obj{"description": "every liaison's minimum, when set"})
	options["properties"].(obj)["max"] = merged(bound, obj{"description": "every liaison's maximum, when set"})
	summary := object("A stored rebalance plan", obj{
		"id": integer(""), "zone_id": integer(""),
		"status":     enum("draft until applied; stale once its base data changed", []rebalance.PlanStatus{rebalance.PlanDraft, rebalance.PlanApplied, rebalance.PlanStale}),
		"options":    schemaRef("RebalanceOptions"),
		"objective":  metres("the plan's cost: travel, stability costs, cross-grid penalties and the weights of uncovered organizations"),
		"move_count": count("organizations whose liaison changes"),
		"before":     schemaRef("RebalanceMetrics"),
		"after":      schemaRef("RebalanceMetrics"),
		"tradeoffs": obj{"nullable": true, "allOf": []obj{schemaRef("RebalanceTradeoffs")},
			"description": "what the plan trades; null for plans built before plans said so"},
		"created_by": nullable(integer("the admin; null for the CLI")),
		"created_at": dateTime(""),
		"applied_by": nullable(integer("")),
		"applied_at": nullable(dateTime("")),
	})
	plan := object("A stored rebalance plan with its moves", merged(summary["properties"].(obj), obj{
		"moves": arrayOf(schemaRef("RebalanceMove")),
	}))
	plan["description"] = "A stored rebalance plan with its moves, in organization id order"
	optionalLiaison := func(desc string) obj { return nullable(integer(desc)) }
	return obj{
		"RebalanceRequest": obj{"type": "object", "additionalProperties": false,
			"description": "What to plan; every member is optional.",
			"properties": obj{
				"zone_id":            obj{"type": "integer", "format": "int64", "minimum": 1, "description": "default: the admin's zone"},
				"min":                merged(bound, obj{"description": "every liaison's minimum (default: their own, 5)"}),
				"max":                merged(bound, obj{"description": "every liaison's maximum (default: their own, 8)"}),
				"stability":          metres("what moving an organization costs (default 2000)"),
				"keep_in_grid":       boolean("liaisons keep to their own grid (default true)"),
				"cross_grid_penalty": metres("what a pair across grids costs when keep_in_grid is false (default 5000)"),
				"weights":            weights(false),
				"allow_coverage_loss": boolean("let the plan cover fewer organizations of a kind or priority class, " +
					"in a grid, than the current pairs the rules allow (default false)"),
				"max_travel_increase": nullable(obj{"type": "number", "minimum": 0, "maximum": rebalance.MaxTravelIncrease,
					"description": "bound on total travel as a fraction of the current total (default 0.1: +10 %); null: no bound"}),
			}},
		"RebalanceTradeoffs": tradeoffsSchema(obj{
			"keep_coverage":       boolean("the plan was held to no lower coverage of any kind or class per grid"),
			"max_travel_increase": nullable(number("the travel bound asked for, a fraction (0.1: +10 %)")),
			"travel_limit":        nullable(metres("the total travel the bound allows")),
			"coverage_kept":       boolean("no kind and no priority class covers fewer organizations after than before"),
			"lowered": arrayOf(object("A kind or priority class the plan covers fewer of", obj{
				"by": enum("", []string{"kind", "class"}), "key": str("the kind or class"),
				"before": count("covered before"), "after": count("covered after"),
			})),
			"travel_within_limit": boolean("total travel is within travel_limit (true without one)"),
			"reasons": arrayOf(enum("why", []string{rebalance.ReasonRulesDropPairs, rebalance.ReasonCoverageLossAllowed,
				rebalance.ReasonTravelLimitBinding, rebalance.ReasonTravelLimitUnreachable, rebalance.ReasonTravelMinLoad, rebalance.ReasonNoCurrentTravel,
				rebalance.ReasonCapacityShort})),
		}),
		"RebalanceCapacity": object("How many liaisons full coverage would need, and where", obj{
			"zone_id": integer(""), "organizations": count(""), "liaisons": count(""),
			"capacity":        count("the liaisons' maximum loads added up"),
			"uncoverable":     count("organizations no liaison can carry"),
			"liaisons_needed": count("more liaisons that would cover them"),
			"new_liaison_min": count("the load a new liaison is counted to carry at least"),
			"new_liaison_max": count("the load a new liaison is counted to carry at most"),
			"grids": arrayOf(object("One grid's answer; grid_id 0: organizations without a grid", obj{
				"grid_id": integer(""), "grid_name": str(""), "organizations": count(""), "liaisons": count(""),
				"capacity": count(""), "uncoverable": count(""), "liaisons_needed": count(""),
				"by_kind": object("uncoverable organizations per kind", kindCounts()),
				"left": arrayOf(object("An organization the grid's liaisons cannot carry: of least priority", obj{
					"id": integer(""), "name": str(""), "kind": enum("", grid.OrgKinds),
					"class": enum("", rebalance.PriorityClasses()),
				})),
			})),
		}),
		"RebalanceOptions": options,
		"ClassCoverage": object("Organizations of a priority class covered, out of all of them", obj{
			"covered": count(""), "total": count(""),
		}),
		"RebalanceMetrics": object("An assignment measured: load, travel, coverage, moves", obj{
			"objective":        metres("the cost under the plan's options"),
			"load_min":         count("fewest organizations of a liaison"),
			"load_max":         count("most organizations of a liaison"),
			"load_spread":      count("load_max - load_min"),
			"under_min":        count("liaisons below their minimum"),
			"over_max":         count("liaisons above their maximum"),
			"total_distance":   metres("sum over covered organizations of the distance from their liaison's base"),
			"longest_distance": metres("the longest of those distances"),
			"moves":            count("organizations whose liaison differs from the current one"),
			"covered":          count("organizations with a liaison"),
			"uncovered":        count("organizations without one"),
			"by_class": object("Coverage per priority class: open requests, new economic and social organizations "+
				"(other), key enterprises (high-tech or specialized), other enterprises", classes),
			"by_kind":    object("Coverage per kind of organization", kinds),
			"kept":       count("current pairs the assignment keeps"),
			"reassigned": count("current pairs moved to another liaison"),
			"dropped":    count("current pairs left without a liaison"),
			"added":      count("organizations without a liaison now that get one"),
			"cross_grid": count("pairs whose liaison and organization are in different grids"),
		}),
		"RebalanceMove": object("A change a plan makes; null means no liaison", obj{
			"org_id":          integer(""),
			"from_liaison_id": optionalLiaison("the liaison before"),
			"to_liaison_id":   optionalLiaison("the liaison after"),
		}),
		"RebalancePlanSummary": summary,
		"RebalancePlan":        plan,
		"RebalancePlanList": object("A page of plans, newest first", obj{
			"plans": arrayOf(schemaRef("RebalancePlanSummary")),
			"next":  nullable(str("the next page, while more remain")),
		}),
		"MoveProperties": object("A move of a plan", obj{
			"org_id": integer(""), "org_name": str(""), "grid_id": nullable(integer("the organization's grid")),
			"from_liaison_id": optionalLiaison("the liaison before"), "from_liaison_name": nullable(str("")),
			"to_liaison_id": optionalLiaison("the liaison after"), "to_liaison_name": nullable(str("")),
			"distance_m":      nullable(number("great-circle distance from the new liaison's base, metres")),
			"from_distance_m": nullable(number("great-circle distance from the old liaison's base, metres")),
		}),
		"MoveFeature": func() obj {
			f := object("A move, as a line old base → organization → new base", obj{
				"type": enum("", []string{"Feature"}), "id": integer("the organization's id"),
				"geometry": schemaRef("LineString"), "properties": schemaRef("MoveProperties"),
			})
			f["properties"].(obj)["bbox"] = obj{"type": "array", "minItems": 4, "maxItems": 4, "items": obj{"type": "number"}}
			return f
		}(),
		"MoveCollection": func() obj {
			c := object("A page of a plan's moves", obj{
				"type": enum("", []string{"FeatureCollection"}), "features": arrayOf(schemaRef("MoveFeature")),
			})
			p := c["properties"].(obj)
			p["bbox"] = obj{"type": "array", "minItems": 4, "maxItems": 4, "items": obj{"type": "number"}}
			p["links"] = arrayOf(schemaRef("Link"))
			p["numberReturned"] = obj{"type": "integer", "minimum": 0}
			return c
		}(),
		"LiaisonChange": obj{"type": "object", "required": []string{"liaison_id"}, "additionalProperties": false,
			"properties": obj{
				"liaison_id": nullable(obj{"type": "integer", "format": "int64", "minimum": 1,
					"description": "the new liaison; null unassigns"}),
				"pinned": obj{"type": "boolean", "default": false, "description": "rebalancing never moves a pinned pair"},
			}},
		"OrgLiaison": object("An organization's assignment after a manual change", obj{
			"org_id":              integer(""),
			"liaison_id":          optionalLiaison("the active liaison; null when none"),
			"pinned":              boolean(""),
			"cause":               nullable(enum("", []grid.AssignmentCause{grid.CauseRule, grid.CauseManual, grid.CauseRebalance})),
			"valid_from":          nullable(dateTime("")),
			"previous_liaison_id": optionalLiaison("the liaison before the change"),
			"changed":             boolean("false when it already was so: nothing was written"),
		}),
	}
}

// kindCounts is one count per kind of organization.
func kindCounts() obj {
	props := obj{}
	for _, k := range grid.OrgKinds {
		props[string(k)] = obj{"type": "integer", "minimum": 0}
	}
	return props
}

// tradeoffsSchema is the Tradeoffs object: props all required, and
// unbounded, present only when the travel bound held the plan back.
func tradeoffsSchema(props obj) obj {
	o := object("What a plan gives up against the current state, and which guards held it back", props)
	o["properties"].(obj)["unbounded"] = obj{"allOf": []obj{schemaRef("RebalanceMetrics")},
		"description": "when the travel bound held the plan back: the plan without it, what lifting the bound brings"}
	return o
}

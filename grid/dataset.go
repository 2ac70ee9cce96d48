package grid

import "iter"

// Dataset is one zone's data in the shape a bulk loader writes it: the
// demo generator makes one, and so will an importer of a real zone's
// registers. Ids are the dataset's own, 1..n per table, and every
// reference (ZoneID, GridID, LiaisonID, …) uses them; the loader shifts
// them past the ids the database already holds.
//
// The small, fixed part is in fields; the organizations and everything
// that hangs off them come batch by batch from Batches, so that a million
// organizations load in flat memory.
type Dataset struct {
	// Zone is the zone the dataset fills; its code must be free.
	Zone Zone
	// Grids tile the zone.
	Grids []Grid
	// Units are the alliance units.
	Units []Unit
	// Users are the sign-ins, without passwords: the loader asks its caller
	// for each hash. A user with a LiaisonID is that liaison's sign-in, and
	// the liaison's contact logs are credited to it.
	Users []User
	// Base is the zone's base layer (streets, place names), if any.
	Base []BaseFeature `json:"-"`
	// Batches yields the batches, the same ones each time: the loader
	// ranges over it once per table. A source that holds everything in
	// memory can pass slices.Values([]*Batch{b}). A stream has no JSON form.
	Batches iter.Seq[*Batch] `json:"-"`
}

// Batch is a share of a dataset's organizations with their liaisons,
// assignments (closed and active), contact logs, requests and request
// events. Ids are unique across batches; a row may refer to a row of
// another batch.
type Batch struct {
	Orgs        []Org
	Liaisons    []Liaison
	Assignments []Assignment
	Contacts    []Contact
	Requests    []Request
	Events      []RequestEvent
}

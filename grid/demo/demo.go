package demo

import (
	"math/rand/v2"
	"time"

	"gridgis/grid"
)

// ZoneCode is the demo zone's code; ZoneName says plainly that it is made up.
const (
	ZoneCode = "pds-hitech-demo"
	ZoneName = "平顶山高新区（合成演示数据）"
)

// Per copy of the organization set (Options.Scale counts the copies): the
// zone's figures from the seed article.
const (
	EnterprisesPerScale = 300
	NewEconomicPerScale = 85
	SocialPerScale      = 19
	OrgsPerScale        = EnterprisesPerScale + NewEconomicPerScale + SocialPerScale
	LiaisonsPerScale    = 36
	RequestsPerScale    = 128
)

// Options controls Generate.
type Options struct {
	// Now anchors every date: contact logs cover the year before it,
	// requests the RequestMonths before it. Zero means time.Now().
	Now time.Time
	// Scale is how many copies of the zone's 404 organizations (with their
	// liaisons, assignments, contacts and requests) to make; 1, the
	// default, is the demo. Scale 2476 makes about a million organizations.
	Scale int
}

// Dataset is a generated demo zone: the grid.Dataset that grid/postgis
// loads, and what the generator knows about it. Its users are admin, one
// officer per grid (GridIDs set), planner, and one per liaison of the
// first batch (LiaisonID set); they carry no passwords.
type Dataset struct {
	*grid.Dataset
	// Now is Options.Now as used: truncated to the minute.
	Now   time.Time
	Scale int

	layout layout
	// liaisonUser maps a first-batch liaison id to its user id; officerUser
	// maps a grid id to its officer's user id.
	liaisonUser map[int64]int64
	officerUser map[int64]int64
	adminUser   int64
}

// Seeds of the generator: one stream for the fixed part, and one per batch
// and stage so that each stage's draws do not shift the others'.
const (
	seedFixed uint64 = 0x9e3779b97f4a7c15
	seedBatch uint64 = 0xd1b54a32d192ed03
)

// The independent random streams of a batch.
const (
	stageOrgs uint64 = iota + 1
	stageLiaisons
	stageContacts
	stageRequests
)

// cst is China Standard Time; working hours are drawn in it. A fixed zone
// keeps the output independent of the machine's tz database.
var cst = time.FixedZone("CST", 8*60*60)

// Generate builds the demo dataset for opts. The same opts (with a non-zero
// Now) always give the same dataset.
func Generate(opts Options) *Dataset {
	if opts.Now.IsZero() {
		opts.Now = time.Now()
	}
	if opts.Scale < 1 {
		opts.Scale = 1
	}
	rng := rand.New(rand.NewPCG(seedFixed, 0))
	ds := &Dataset{
		Dataset:     &grid.Dataset{},
		Now:         opts.Now.Round(0).In(cst).Truncate(time.Minute),
		Scale:       opts.Scale,
		liaisonUser: make(map[int64]int64),
		officerUser: make(map[int64]int64),
	}
	ds.layout = newLayout(rng)
	ds.Zone = grid.Zone{ID: 1, Code: ZoneCode, Name: ZoneName, Boundary: ds.layout.zone}
	ds.Grids = ds.layout.grids
	ds.Base = ds.layout.baseFeatures()
	ds.Units = makeUnits(rng)
	ds.Users = ds.makeUsers(rng)
	ds.Batches = ds.batches
	return ds
}

// batches yields the dataset's batches in order, Scale of them: each one
// copy of the zone's organizations, with liaisons who serve only that copy.
// Each is generated afresh, so ranging twice gives equal batches and
// holding on to none keeps memory flat.
func (ds *Dataset) batches(yield func(*grid.Batch) bool) {
	var next nextIDs
	for k := range ds.Scale {
		b := ds.batch(k)
		next.number(b)
		if !yield(b) {
			return
		}
	}
}

// OrgCount is the number of organizations the batches hold.
func (ds *Dataset) OrgCount() int { return ds.Scale * OrgsPerScale }

// Collect returns every batch merged into one, for small scales and tests.
func (ds *Dataset) Collect() *grid.Batch {
	all := &grid.Batch{}
	for b := range ds.Batches {
		all.Orgs = append(all.Orgs, b.Orgs...)
		all.Liaisons = append(all.Liaisons, b.Liaisons...)
		all.Assignments = append(all.Assignments, b.Assignments...)
		all.Contacts = append(all.Contacts, b.Contacts...)
		all.Requests = append(all.Requests, b.Requests...)
		all.Events = append(all.Events, b.Events...)
	}
	return all
}

// batch generates batch k with ids fixed by k where every batch has the
// same count (organizations, liaisons, requests); nextIDs numbers the rest.
func (ds *Dataset) batch(k int) *grid.Batch {
	b := &grid.Batch{}
	b.Orgs = ds.makeOrgs(batchRand(k, stageOrgs), k)
	rng := batchRand(k, stageLiaisons)
	b.Liaisons = ds.makeLiaisons(rng, k, b.Orgs)
	cover := ds.assign(rng, b.Orgs, b.Liaisons)
	b.Assignments = cover.assignments
	b.Contacts = ds.makeContacts(batchRand(k, stageContacts), k, b.Liaisons, cover)
	b.Requests, b.Events = ds.makeRequests(batchRand(k, stageRequests), k, b, cover)
	return b
}

func batchRand(k int, stage uint64) *rand.Rand {
	return rand.New(rand.NewPCG(seedBatch^stage, uint64(k)))
}

// nextIDs numbers the rows whose count varies per batch, continuing across
// batches so that every table's ids run 1..n.
type nextIDs struct {
	assignment, contact, event int64
}

func (n *nextIDs) number(b *grid.Batch) {
	for i := range b.Assignments {
		n.assignment++
		b.Assignments[i].ID = n.assignment
	}
	for i := range b.Contacts {
		n.contact++
		b.Contacts[i].ID = n.contact
	}
	for i := range b.Events {
		n.event++
		b.Events[i].ID = n.event
	}
}

package demo

import (
	"fmt"
	"math/rand/v2"
	"strings"

	"gridgis/grid"
)

// makeUsers lists the demo sign-ins and remembers who acts for whom:
// admin, one officer per grid (named as the grid's officer), planner, and
// one per liaison of the first batch. Later batches' liaisons have no
// sign-in: a million-organization dataset needs no 90,000 accounts.
func (ds *Dataset) makeUsers(rng *rand.Rand) []grid.User {
	var users []grid.User
	add := func(u grid.User) int64 {
		u.ID = int64(len(users) + 1)
		u.ZoneID = 1
		users = append(users, u)
		return u.ID
	}
	ds.adminUser = add(grid.User{Username: "admin", DisplayName: "系统管理员", Role: grid.RoleAdmin})
	for _, g := range ds.Grids {
		ds.officerUser[g.ID] = add(grid.User{
			Username:    "officer-" + strings.ToLower(g.Code),
			DisplayName: g.Officer,
			Role:        grid.RoleOfficer,
			GridIDs:     []int64{g.ID},
		})
	}
	add(grid.User{Username: "planner", DisplayName: newNamer().person(rng), Role: grid.RolePlanner})
	first := ds.makeLiaisons(batchRand(0, stageLiaisons), 0, ds.makeOrgs(batchRand(0, stageOrgs), 0))
	for i, l := range first {
		ds.liaisonUser[l.ID] = add(grid.User{
			Username:    fmt.Sprintf("liaison-%02d", i+1),
			DisplayName: l.Name,
			Role:        grid.RoleLiaison,
			LiaisonID:   l.ID,
		})
	}
	return users
}

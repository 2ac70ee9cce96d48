package demo

import "gridgis/grid/rebalance"

// RebalanceInput is the liaison rebalancing problem of the dataset as
// generated: what grid/postgis loads for the zone once it is seeded.
func (ds *Dataset) RebalanceInput() rebalance.Input {
	in := rebalance.Input{Options: rebalance.DefaultOptions(), GridNames: map[int64]string{}}
	for _, g := range ds.Grids {
		in.GridNames[g.ID] = g.Name
	}
	for b := range ds.Batches {
		open := map[int64]int{}
		for _, r := range b.Requests {
			if !r.Status.Closed() {
				open[r.OrgID]++
			}
		}
		for _, o := range b.Orgs {
			in.Orgs = append(in.Orgs, rebalance.OrgOf(o, open[o.ID]))
		}
		for _, l := range b.Liaisons {
			in.Liaisons = append(in.Liaisons, rebalance.LiaisonOf(l))
		}
		for _, a := range b.Assignments {
			if a.ValidTo == nil {
				in.Current = append(in.Current, rebalance.Pair{OrgID: a.OrgID, LiaisonID: a.LiaisonID, Pinned: a.Pinned})
			}
		}
	}
	return in
}

package postgis

// GridEdgeSQL lets the tests build grid_edge and measure it against the
// boundaries it is cut from.
var GridEdgeSQL = gridEdgeSQL

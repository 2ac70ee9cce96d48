package postgis

// FeatureSQL lets a test run a layer through another SQL text, such as the
// layer as it was written before (compact JSON: TestCompactFeatures).
var FeatureSQL = map[string]*string{
	"requests":    &requestFeatureSQL,
	"liaisons":    &liaisonFeatureSQL,
	"assignments": &assignmentFeatureSQL,
	"grids":       &gridFeatureSQL,
	"moves":       &moveFeatureSQL,
}

// ZoneCoverageSQL is FeatureSQL for the coverage layer, whose text is
// built per indicator.
var ZoneCoverageSQL = &zoneCoverageSQL

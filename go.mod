module gridgis

go 1.26.8

require (
	github.com/paulmach/orb v0.14.0
	golang.org/x/crypto v0.59.0
)

require golang.org/x/sys v0.50.0 // indirect

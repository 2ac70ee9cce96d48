package server_test

var ogcAccess = []accessRow{}

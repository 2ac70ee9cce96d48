package server_test

var tileAccess = []accessRow{}

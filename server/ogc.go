package server

func (s *Server) ogcRoutes() {}

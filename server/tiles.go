package server

import "github.com/gofiber/fiber/v2"

func (s *Server) tileRoutes(api fiber.Router) {}

package server

import (
	"os"
	"path/filepath"

	"github.com/gofiber/fiber/v2"
)

// notBuiltPage answers / when the map app has not been built yet; plain
// HTML, as the CSP refuses inline styles.
const notBuiltPage = `<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>gridgis</title>
<body><h1>gridgis</h1>
<p>网页地图尚未构建。请在项目目录运行 <code>make run</code>（会自动构建前端）。</p>
<p>The web app is not built yet: run <code>make run</code>. The API is at <a href="/api/v1/grids">/api/v1/grids</a>.</p>`

// static serves the built map app, with index.html for the app's own
// paths, or a short page saying how to build it.
func (s *Server) static() {
	index := filepath.Join(s.cfg.WebDir, "index.html")
	if _, err := os.Stat(index); s.cfg.WebDir == "" || err != nil {
		s.app.Get("/", func(c *fiber.Ctx) error {
			c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
			return c.SendString(notBuiltPage)
		})
		return
	}
	s.app.Static("/", s.cfg.WebDir, fiber.Static{CacheDuration: -1})
	s.app.Get("/*", func(c *fiber.Ctx) error {
		c.Set(fiber.HeaderCacheControl, "no-cache")
		return c.SendFile(index)
	})
}

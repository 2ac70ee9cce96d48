package server

import (
	"crypto/sha256"
	"encoding/base64"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"

	"gridgis/grid"
)

// notBuiltPage answers / when the map app has not been built yet; plain
// HTML, as the CSP refuses inline styles.
const notBuiltPage = `<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>gridgis</title>
<body><h1>gridgis</h1>
<p>网页地图尚未构建。请在项目目录运行 <code>make run</code>（会自动构建前端）。</p>
<p>The web app is not built yet: run <code>make run</code>. The API is at <a href="/api/v1/grids">/api/v1/grids</a>.</p>`

// Caching of the map app's files. Vite names each file under /assets/ by
// a hash of its content: a new build makes new names, so these can be kept
// for a year unasked. Everything else (index.html, which names them, and
// the favicon) is checked with the server on each use.
const (
	assetsPrefix   = "/assets/"
	cacheImmutable = "public, max-age=31536000, immutable"
	cacheRevalid   = "no-cache"
)

// encodings are the compressed forms the build writes beside each file
// (frontend/scripts/precompress.mjs), best first.
var encodings = []struct{ name, ext string }{{"br", ".br"}, {"gzip", ".gz"}}

// static serves the built map app, with index.html for the app's own
// paths, or a short page saying how to build it. The files themselves are
// served earlier, by webFile.
func (s *Server) static() {
	s.files.log = s.log
	index := filepath.Join(s.cfg.WebDir, "index.html")
	if _, err := os.Stat(index); s.cfg.WebDir == "" || err != nil {
		s.app.Get("/", func(c *fiber.Ctx) error {
			c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
			return c.SendString(notBuiltPage)
		})
		return
	}
	s.app.Get("/*", func(c *fiber.Ctx) error {
		// A missing hashed file is a stale page asking for an old build:
		// index.html in its place would be read as a script.
		if strings.HasPrefix(c.Path(), assetsPrefix) {
			return grid.Errorf(grid.ENotFound, "no file %s", c.Path())
		}
		return s.files.send(c, index, cacheRevalid)
	})
}

// webFile serves a file of the built map app when the request names one,
// and passes anything else on. It runs before the compress middleware:
// the files are compressed at build time, and only where that made them
// smaller.
func (s *Server) webFile(c *fiber.Ctx) error {
	if s.cfg.WebDir == "" || (c.Method() != fiber.MethodGet && c.Method() != fiber.MethodHead) {
		return c.Next()
	}
	name := path.Clean("/" + c.Path())
	// The compressed forms are sent for their files, never by their own names.
	if name == "/" || strings.HasPrefix(name, "/api/") || strings.HasSuffix(name, ".br") || strings.HasSuffix(name, ".gz") {
		return c.Next()
	}
	file := filepath.Join(s.cfg.WebDir, filepath.FromSlash(name))
	if info, err := os.Stat(file); err != nil || !info.Mode().IsRegular() {
		return c.Next()
	}
	cache := cacheRevalid
	if strings.HasPrefix(name, assetsPrefix) {
		cache = cacheImmutable
	}
	return s.files.send(c, file, cache)
}

// webFileServer sends the map app's files with validators; it remembers
// each file's content hash (for its ETag) until the file changes.
type webFileServer struct {
	log    *slog.Logger
	mu     sync.Mutex
	hashes map[string]fileHash
	// stale names the compressed forms older than their files, each
	// logged once.
	stale map[string]bool
}

type fileHash struct {
	size    int64
	modTime time.Time
	hash    string
}

// send answers with file, or the smaller compressed form the client
// accepts: Content-Type of the file, Cache-Control cache, a strong ETag
// and Last-Modified; 304 when the client's copy is current.
func (w *webFileServer) send(c *fiber.Ctx, file, cache string) error {
	info, err := os.Stat(file)
	if err != nil {
		return err
	}
	hash, err := w.hash(file, info)
	if err != nil {
		return err
	}
	body, size, encoding := file, info.Size(), ""
	compressed := false
	for _, e := range encodings {
		ci, err := os.Stat(file + e.ext)
		if err != nil || ci.Size() >= info.Size() {
			continue
		}
		// Written before the file last changed (edited after the build):
		// it would send the old content under the new file's tag.
		if ci.ModTime().Before(info.ModTime()) {
			w.warnStale(file + e.ext)
			continue
		}
		compressed = true
		if encoding == "" && accepts(c.Get(fiber.HeaderAcceptEncoding), e.name) {
			body, size, encoding = file+e.ext, ci.Size(), e.name
		}
	}

	h := &c.Response().Header
	contentType := mime.TypeByExtension(filepath.Ext(file))
	if contentType == "" {
		contentType = fiber.MIMEOctetStream
	}
	h.Set(fiber.HeaderContentType, contentType)
	h.Set(fiber.HeaderCacheControl, cache)
	if compressed {
		// Caches keep one copy per encoding.
		h.Add(fiber.HeaderVary, fiber.HeaderAcceptEncoding)
	}
	// Each form is a representation of its own, with its own tag.
	etag := `"` + hash + `"`
	if encoding != "" {
		etag = `"` + hash + "-" + encoding + `"`
		h.Set(fiber.HeaderContentEncoding, encoding)
	}
	h.Set(fiber.HeaderETag, etag)
	h.Set(fiber.HeaderLastModified, info.ModTime().UTC().Format(http.TimeFormat))

	if notModified(c, etag, info.ModTime()) {
		c.Status(fiber.StatusNotModified)
		return nil
	}
	if c.Method() == fiber.MethodHead {
		h.SetContentLength(int(size))
		c.Response().SkipBody = true
		return nil
	}
	f, err := os.Open(body)
	if err != nil {
		return err
	}
	c.Response().SetBodyStream(f, int(size)) // closed by fasthttp once sent
	return nil
}

// warnStale logs, once per file, a compressed form skipped as stale.
func (w *webFileServer) warnStale(name string) {
	w.mu.Lock()
	seen := w.stale[name]
	if w.stale == nil {
		w.stale = map[string]bool{}
	}
	w.stale[name] = true
	w.mu.Unlock()
	if !seen && w.log != nil {
		w.log.Warn("compressed file older than its source, not served: rebuild the web app", "file", name)
	}
}

// hash returns the content hash of file, from memory unless it changed.
func (w *webFileServer) hash(file string, info os.FileInfo) (string, error) {
	w.mu.Lock()
	known, ok := w.hashes[file]
	w.mu.Unlock()
	if ok && known.size == info.Size() && known.modTime.Equal(info.ModTime()) {
		return known.hash, nil
	}
	f, err := os.Open(file)
	if err != nil {
		return "", err
	}
	defer f.Close()
	sum := sha256.New()
	if _, err := io.Copy(sum, f); err != nil {
		return "", err
	}
	hash := base64.RawURLEncoding.EncodeToString(sum.Sum(nil)[:12])
	w.mu.Lock()
	if w.hashes == nil {
		w.hashes = map[string]fileHash{}
	}
	w.hashes[file] = fileHash{size: info.Size(), modTime: info.ModTime(), hash: hash}
	w.mu.Unlock()
	return hash, nil
}

// notModified reports whether the client's copy is current: If-None-Match
// names the ETag (or is *), or, without If-None-Match, If-Modified-Since is
// no earlier than the file.
func notModified(c *fiber.Ctx, etag string, modTime time.Time) bool {
	if inm := c.Get(fiber.HeaderIfNoneMatch); inm != "" {
		for _, tag := range strings.Split(inm, ",") {
			tag = strings.TrimPrefix(strings.TrimSpace(tag), "W/") // If-None-Match compares weakly
			if tag == etag || tag == "*" {
				return true
			}
		}
		return false
	}
	since, err := http.ParseTime(c.Get(fiber.HeaderIfModifiedSince))
	return err == nil && !modTime.Truncate(time.Second).After(since)
}

// accepts reports whether an Accept-Encoding header accepts coding: named
// with a q above 0, or covered by * when not named.
func accepts(header, coding string) bool {
	named, star := -1.0, -1.0
	for _, part := range strings.Split(header, ",") {
		name, params, _ := strings.Cut(part, ";")
		name = strings.ToLower(strings.TrimSpace(name))
		q := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			if f, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil {
				q = f
			}
		}
		switch name {
		case coding:
			named = q
		case "*":
			star = q
		}
	}
	if named >= 0 {
		return named > 0
	}
	return star > 0
}

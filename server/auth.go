package server

import (
	"errors"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"gridgis/grid"
)

// sessionCookie holds the web session id; the server keeps only its hash.
const sessionCookie = "gridgis_session"

// badLogin is the one answer to an unknown user and a wrong password.
var badLogin = grid.Errorf(grid.EUnauthorized, "用户名或密码错误 / wrong username or password")

// localsUser and localsVia are the keys under which authenticate leaves
// the caller and how they proved who they are.
const (
	localsUser = "user"
	localsVia  = "via"
)

// sessionRoutes registers signing in and out of the web session, and who
// the caller is.
func (s *Server) sessionRoutes(api fiber.Router) {
	api.Post("/session", limitBody(smallBody), s.login)
	api.Delete("/session", s.logout)
	api.Get("/me", signedIn, s.me)
}

// authenticate identifies the caller from an API token (Authorization:
// Bearer) or the session cookie, and leaves them in the context. It
// refuses a bad token outright but lets anonymous requests through: allow
// decides what each route needs.
func (s *Server) authenticate(c *fiber.Ctx) error {
	ctx, cancel := s.lookupCtx(c)
	defer cancel()
	if h := c.Get(fiber.HeaderAuthorization); h != "" {
		token, ok := strings.CutPrefix(h, "Bearer ")
		if !ok || !grid.LooksLikeToken(token) {
			return grid.Errorf(grid.EUnauthorized, "Authorization must be \"Bearer <API token>\"")
		}
		u, err := s.tokenUser(ctx, grid.HashSecret(token))
		if err != nil {
			return err
		}
		c.Locals(localsUser, u)
		c.Locals(localsVia, "token")
		return c.Next()
	}
	if id := c.Cookies(sessionCookie); id != "" {
		u, err := s.sessionUser(ctx, grid.HashSecret(id))
		if err == nil {
			c.Locals(localsUser, u)
			c.Locals(localsVia, "session")
		} else if grid.ErrorCode(err) != grid.EUnauthorized {
			return err
		}
	}
	return c.Next()
}

// allow admits signed-in callers whose role may take action a (grid's
// role table): 401 for anonymous callers, 403 for other roles.
func allow(a grid.Action) fiber.Handler {
	return func(c *fiber.Ctx) error {
		u, ok := c.Locals(localsUser).(grid.User)
		if !ok {
			return signInFirst
		}
		if !u.Role.May(a) {
			return grid.Errorf(grid.EForbidden, "role %s may not do this", u.Role)
		}
		return c.Next()
	}
}

// signedIn admits any signed-in caller, to their own account's routes.
func signedIn(c *fiber.Ctx) error {
	if _, ok := c.Locals(localsUser).(grid.User); !ok {
		return signInFirst
	}
	return c.Next()
}

var signInFirst = grid.Errorf(grid.EUnauthorized, "请先登录 / sign in first")

// sameOrigin refuses unsafe requests that a browser sent from another
// site. Bearer-token requests carry no ambient credential and pass; so do
// requests with neither Sec-Fetch-Site nor Origin, which browsers always
// send on cross-site unsafe requests.
func sameOrigin(c *fiber.Ctx) error {
	switch c.Method() {
	case fiber.MethodGet, fiber.MethodHead, fiber.MethodOptions:
		return c.Next()
	}
	if c.Get(fiber.HeaderAuthorization) != "" {
		return c.Next()
	}
	if site := c.Get("Sec-Fetch-Site"); site != "" {
		if site != "same-origin" && site != "none" {
			return grid.Errorf(grid.EForbidden, "cross-site request refused")
		}
		return c.Next()
	}
	if origin := c.Get(fiber.HeaderOrigin); origin != "" {
		u, err := url.Parse(origin)
		if err != nil || u.Host != c.Get(fiber.HeaderHost) {
			return grid.Errorf(grid.EForbidden, "cross-origin request refused")
		}
	}
	return c.Next()
}

type loginInput struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

// login checks a username and password and starts a fresh session. Any
// session id the client sent is ignored (and ended), so an id planted
// before sign-in never becomes authenticated.
func (s *Server) login(c *fiber.Ctx) error {
	var in loginInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	switch {
	case in.Username == "" || utf8.RuneCountInString(in.Username) > 100:
		return grid.Invalid("username", "required, at most 100 characters")
	case in.Password == "" || utf8.RuneCountInString(in.Password) > 200:
		return grid.Invalid("password", "required, at most 200 characters")
	}
	addr := s.clientAddr(c)
	account := strings.ToLower(in.Username)
	ctx, cancel := s.callCtx(c)
	defer cancel()
	// The attempt takes its slot (counted as a failure) before the
	// password is checked, so no burst gets more checks than the rules
	// allow; unknown users are throttled just the same.
	wait, err := s.store.TakeLoginSlot(ctx, account, addr)
	if err != nil {
		return err
	}
	if wait > 0 {
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(int(math.Ceil(wait.Seconds()))))
		return problem(c, http.StatusTooManyRequests, "throttled", "", "尝试次数过多，请稍后再试 / too many failed sign-ins, try later")
	}
	u, hash, err := s.store.UserForLogin(ctx, in.Username)
	if err != nil && grid.ErrorCode(err) != grid.ENotFound {
		return err
	}
	if err != nil {
		hash = s.dummyHash // spend the same time as for a real account
	}
	ok, herr := s.hashes.checkPassword(ctx, hash, in.Password)
	// Queueing and hashing may have taken a while under load: the writes
	// that follow get their own deadline.
	ctx, cancel = s.callCtx(c)
	defer cancel()
	if errors.Is(herr, errHashBusy) {
		// The password was not checked: the attempt gives its slot back.
		if err := s.store.ReturnLoginSlot(ctx, account, addr); err != nil {
			return err
		}
		c.Set(fiber.HeaderRetryAfter, "2")
		return problem(c, http.StatusServiceUnavailable, "busy", "", "登录繁忙，请稍后再试 / too many sign-ins at once, try again shortly")
	}
	if err != nil || herr != nil || !ok {
		s.countLoginFailure()
		s.audit(c, grid.AuditEntry{Action: "login_failed", Target: "user:" + in.Username})
		return badLogin
	}
	if err := s.store.LoginSucceeded(ctx, account, addr); err != nil {
		return err
	}

	if old := c.Cookies(sessionCookie); old != "" {
		if err := s.store.DeleteSession(ctx, grid.HashSecret(old)); err != nil {
			return err
		}
		s.auth.forgetAll() // here at once; other servers on the notice
	}
	id, idHash := grid.NewSecret("")
	expires := s.now().Add(grid.SessionMax)
	if err := s.store.CreateSession(ctx, idHash, u.ID, expires, addr); err != nil {
		return err
	}
	c.Cookie(&fiber.Cookie{
		Name: sessionCookie, Value: id, Path: "/", Expires: expires,
		HTTPOnly: true, Secure: s.cfg.SecureCookies, SameSite: fiber.CookieSameSiteLaxMode,
	})
	s.auditAs(c, u, grid.AuditEntry{Action: "login", Target: "user:" + u.Username})
	return c.JSON(fiber.Map{"user": u})
}

// logout ends the caller's session, if any, and clears the cookie.
func (s *Server) logout(c *fiber.Ctx) error {
	if id := c.Cookies(sessionCookie); id != "" {
		ctx, cancel := s.lookupCtx(c)
		defer cancel()
		if err := s.store.DeleteSession(ctx, grid.HashSecret(id)); err != nil {
			return err
		}
		s.auth.forgetAll() // here at once; other servers on the notice
		if u, ok := c.Locals(localsUser).(grid.User); ok {
			s.auditAs(c, u, grid.AuditEntry{Action: "logout", Target: "user:" + u.Username})
		}
	}
	c.Cookie(&fiber.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1,
		HTTPOnly: true, Secure: s.cfg.SecureCookies, SameSite: fiber.CookieSameSiteLaxMode})
	return c.SendStatus(http.StatusNoContent)
}

// me answers who the caller is.
func (s *Server) me(c *fiber.Ctx) error {
	return c.JSON(fiber.Map{"user": userOf(c)})
}

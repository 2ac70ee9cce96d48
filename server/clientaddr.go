package server

import (
	"net/netip"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// proxies are the trusted proxies (GRIDGIS_TRUSTED_PROXIES) as prefixes.
type proxies []netip.Prefix

// parseProxies reads IPs and CIDRs; it returns the entries it could not
// read, for the caller to report.
func parseProxies(list []string) (proxies, []string) {
	var out proxies
	var bad []string
	for _, s := range list {
		s = strings.TrimSpace(s)
		if p, err := netip.ParsePrefix(s); err == nil {
			out = append(out, p.Masked())
		} else if a, err := netip.ParseAddr(s); err == nil {
			out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
		} else {
			bad = append(bad, s)
		}
	}
	return out, bad
}

func (ps proxies) trusted(a netip.Addr) bool {
	a = a.Unmap()
	for _, p := range ps {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// clientAddr is the address the request came from. X-Forwarded-For is
// read only when the peer is a trusted proxy, and then from the right:
// each proxy appends the address it saw, so the rightmost entry that is
// not itself a trusted proxy is the first one no client could forge (the
// entries left of it are whatever the client sent). An entry that is not
// an IP address ends the walk at the last good one.
func (s *Server) clientAddr(c *fiber.Ctx) string {
	peer, ok := netip.AddrFromSlice(c.Context().RemoteIP())
	if !ok {
		return c.Context().RemoteIP().String()
	}
	peer = peer.Unmap()
	if !s.proxies.trusted(peer) {
		return peer.String()
	}
	client := peer
	hops := strings.Split(c.Get(fiber.HeaderXForwardedFor), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break
		}
		client = a.Unmap()
		if !s.proxies.trusted(client) {
			break
		}
	}
	return client.String()
}

"""Keep a crawl off private networks: no link, redirect or sitemap entry may lead
from the public web to a loopback, private, link-local or metadata address.

Two checks. `ScopeMiddleware` refuses URLs whose host is such an address
literally (`http://169.254.169.254/`). `PublicAddressResolver`, Scrapy's DNS
resolver with the same rule, refuses names that resolve there; the connection
uses the address it returns, so a name that re-binds between a check and the
connect (DNS rebinding) cannot slip through. A crawl may stay on the hosts it was
seeded with, private or not (an intranet blog, the loopback demo), unless they are
link-local (a cloud's metadata service) or CRAWL_PRIVATE_SEEDS is off (a shared
worker); CRAWL_ALLOW_PRIVATE lifts the rule.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, cast

from scrapy.resolver import CachingHostnameResolver
from twisted.internet.interfaces import IResolutionReceiver
from zope.interface import provider

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from twisted.internet.interfaces import IAddress, IHostResolution

__all__ = ["METADATA", "PublicAddressResolver", "blocked_reason", "non_public_kind", "other_service_reason"]


def _ip(address: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(address.strip("[]").split("%", 1)[0])  # fe80::1%eth0: a zone
    except ValueError:
        return None


#: NAT64's well-known prefix: an IPv6 address that reaches the IPv4 in its last 32 bits
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


def _wrapped_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address carries and reaches (mapped ::ffff:a.b.c.d, 6to4
    2002:AABB:CCDD::, Teredo's client, NAT64), or None."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def non_public_kind(address: str) -> str | None:
    """What kind of non-public address `address` is ("loopback", "private", ...), or
    None for a public address or something that is not an IP address. An IPv6 address
    that wraps an IPv4 one is judged by the IPv4 it reaches."""
    ip = _ip(address)
    if ip is None:
        return None
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.is_site_local:  # fec0::/10: deprecated, but routed inside sites that still use it
            return "private"
        ip = _wrapped_ipv4(ip) or ip
    if ip.is_loopback:
        return "loopback"
    if ip.is_link_local:
        return METADATA if str(ip) == "169.254.169.254" else "link-local"
    if str(ip) == "fd00:ec2::254":  # AWS's metadata service over IPv6, a unique-local address
        return METADATA
    if ip.is_unspecified or ip.is_multicast or ip.is_reserved:
        return "reserved"
    if ip.is_private or not ip.is_global:
        return "private"
    return None


METADATA = "link-local (cloud metadata)"
#: kinds never fetched without CRAWL_ALLOW_PRIVATE, even as a crawl's own start URL: a
#: cloud's metadata service answers there with the machine's credentials
NEVER_SEEDED = ("link-local", METADATA)


#: seed host -> whether its first address was non-public: a seed that starts on a
#: private network may stay there; one that starts public may not move there later
_SEEDS_FOUND_PRIVATE: dict[str, bool] = {}


def _spiders(owner: Any) -> list[Any]:
    """The spiders of the crawl(s) `owner` runs; `owner` is a Crawler, or the
    CrawlerProcess that Scrapy gives its DNS resolver."""
    crawlers = [owner, *getattr(owner, "crawlers", ())]
    return [spider for c in crawlers if (spider := getattr(c, "spider", None)) is not None]


def _spider_hosts(owner: Any, attribute: str) -> set[str]:
    """The hosts a spider of the crawl(s) `owner` runs names in `attribute`."""
    return {host for spider in _spiders(owner) for host in getattr(spider, attribute, ())}


def _seed_hosts(owner: Any) -> set[str]:
    return _spider_hosts(owner, "seed_hosts")


def blocked_reason(crawler: Crawler | Any, host: str, address: str, connection: bool = False) -> str | None:
    """Why `host` (at `address`) must not be fetched, or None when it may. A `connection`
    (a name the resolver is asked for) may also go to a proxy the crawl was told to use.

    A start URL's host may be private (an intranet blog, the loopback demo) when
    CRAWL_PRIVATE_SEEDS is on, but never link-local: that is where a cloud machine's
    metadata service hands out its credentials."""
    host = host.lower()
    if _ip(address) is None:
        return None  # a name: judged when it resolves
    if connection and host in _spider_hosts(crawler, "proxy_hosts"):
        return None
    kind = non_public_kind(address)
    seed = host in _seed_hosts(crawler)
    # a seed that starts on a private network may stay there; one that starts public may not move
    started_private = seed and _SEEDS_FOUND_PRIVATE.setdefault(host, kind is not None)
    if kind is None or crawler.settings.getbool("CRAWL_ALLOW_PRIVATE"):
        return None
    if started_private and kind not in NEVER_SEEDED and crawler.settings.getbool("CRAWL_PRIVATE_SEEDS", True):
        return None
    where = address if address == host else f"{host} resolves to {address}"
    return f"blocked: {where}, a {kind} address (--allow-private to crawl it)"


#: the web's default ports: a site answering on one usually answers on the other
_WEB_PORTS = frozenset({80, 443})


def other_service_reason(crawler: Crawler | Any, host: str, port: int) -> str | None:
    """Why `host:port` must not be fetched when `host` is a private start host seeded on
    other ports, or None. A start URL at http://localhost:8801/ may be crawled; its pages
    must not lead to http://localhost:6379/ (another service on the same machine)."""
    host = host.lower()
    seeded = {p for spider in _spiders(crawler) for p in getattr(spider, "seed_ports", {}).get(host, ())}
    if not seeded or port in seeded or (port in _WEB_PORTS and seeded & _WEB_PORTS):
        return None
    if crawler.settings.getbool("CRAWL_ALLOW_PRIVATE"):
        return None
    if non_public_kind(host) is None and not _SEEDS_FOUND_PRIVATE.get(host):
        return None  # a public host: its ports are the internet's
    return f"blocked: {host}:{port}, another port of the private start host {host} (--allow-private to crawl it)"


@provider(IResolutionReceiver)
class _PublicAddresses:
    """Passes on the addresses of `name` that the crawl may connect to; when it refuses
    them all, says why in PublicAddressResolver.blocked (the connection then fails as a
    DNS lookup with no results)."""

    def __init__(self, receiver: Any, name: str, crawler: Crawler | Any) -> None:  # an IResolutionReceiver
        self.receiver = receiver
        self.name = name
        self.crawler = crawler
        self.passed = 0
        self.refusal: str | None = None

    def resolutionBegan(self, resolution: IHostResolution) -> None:
        self.receiver.resolutionBegan(resolution)

    def addressResolved(self, address: IAddress) -> None:
        reason = blocked_reason(self.crawler, self.name, getattr(address, "host", ""), connection=True)
        if reason is None:
            self.passed += 1
            self.receiver.addressResolved(address)
        else:
            self.refusal = self.refusal or reason

    def resolutionComplete(self) -> None:
        if not self.passed and self.refusal:
            PublicAddressResolver.blocked[self.name.lower()] = self.refusal
        self.receiver.resolutionComplete()


class PublicAddressResolver(CachingHostnameResolver):
    """Scrapy's caching resolver of IPv4 and IPv6 addresses, passing on only the addresses
    this crawl may connect to (blocked_reason). Why a name was refused is kept in
    `blocked` (host -> reason): Twisted reports every failed resolution alike."""

    blocked: dict[str, str] = {}

    def __init__(self, reactor: Any, cache_size: int, crawler: Crawler | Any) -> None:
        super().__init__(reactor, cache_size)
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler | Any, reactor: Any) -> PublicAddressResolver:
        """`crawler` is the CrawlerProcess: Scrapy builds one resolver per reactor."""
        cache_size = crawler.settings.getint("DNSCACHE_SIZE") if crawler.settings.getbool("DNSCACHE_ENABLED") else 0
        return cls(reactor, cache_size, crawler)

    def resolveHostName(
        self,
        resolutionReceiver: IResolutionReceiver,
        hostName: str,
        portNumber: int = 0,
        addressTypes: Sequence[type[IAddress]] | None = None,
        transportSemantics: str = "TCP",
    ) -> IHostResolution:
        receiver = _PublicAddresses(resolutionReceiver, hostName, self.crawler)
        return super().resolveHostName(
            cast(IResolutionReceiver, receiver), hostName, portNumber, addressTypes, transportSemantics
        )

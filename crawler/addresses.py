"""Keep a crawl off private networks: no link, redirect or sitemap entry may lead
from the public web to a loopback, private, link-local or metadata address.

Two checks. `ScopeMiddleware` refuses URLs whose host is such an address
literally (`http://169.254.169.254/`). `PublicAddressResolver`, Scrapy's DNS
resolver with the same rule, refuses names that resolve there; the connection
uses the address it returns, so a name that re-binds between a check and the
connect (DNS rebinding) cannot slip through. A crawl may stay on the hosts it was
seeded with, private or not (an intranet blog, the loopback demo), and
CRAWL_ALLOW_PRIVATE lifts the rule.
"""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING, Any, Sequence

from scrapy.resolver import CachingThreadedResolver
from twisted.internet.error import DNSLookupError

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from twisted.internet.defer import Deferred

__all__ = ["PublicAddressResolver", "blocked_reason", "non_public_kind"]


def _ip(address: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(address.strip("[]"))
    except ValueError:
        return None


def non_public_kind(address: str) -> str | None:
    """What kind of non-public address `address` is ("loopback", "private", ...), or
    None for a public address or something that is not an IP address."""
    ip = _ip(address)
    if ip is None:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_loopback:
        return "loopback"
    if ip.is_link_local:
        return "link-local (cloud metadata)" if str(ip) in ("169.254.169.254", "fd00:ec2::254") else "link-local"
    if ip.is_unspecified or ip.is_multicast or ip.is_reserved:
        return "reserved"
    if ip.is_private or not ip.is_global:
        return "private"
    return None


#: seed host -> whether its first address was non-public: a seed that starts on a
#: private network may stay there; one that starts public may not move there later
_SEEDS_FOUND_PRIVATE: dict[str, bool] = {}


def _spider_hosts(owner: Any, attribute: str) -> set[str]:
    """The hosts a spider of the crawl(s) `owner` runs names in `attribute`; `owner` is a
    Crawler, or the CrawlerProcess that Scrapy gives its DNS resolver."""
    crawlers = [owner, *getattr(owner, "crawlers", ())]
    spiders = [spider for c in crawlers if (spider := getattr(c, "spider", None)) is not None]
    return {host for spider in spiders for host in getattr(spider, attribute, ())}


def _seed_hosts(owner: Any) -> set[str]:
    return _spider_hosts(owner, "seed_hosts")


def blocked_reason(crawler: Crawler | Any, host: str, address: str, connection: bool = False) -> str | None:
    """Why `host` (at `address`) must not be fetched, or None when it may. A `connection`
    (a name the resolver is asked for) may also go to a proxy the crawl was told to use."""
    host = host.lower()
    if _ip(address) is None:
        return None  # a name: judged when it resolves
    if connection and host in _spider_hosts(crawler, "proxy_hosts"):
        return None
    kind = non_public_kind(address)
    if host in _seed_hosts(crawler):
        _SEEDS_FOUND_PRIVATE.setdefault(host, kind is not None)
        if _SEEDS_FOUND_PRIVATE[host]:
            return None
    if kind is None or crawler.settings.getbool("CRAWL_ALLOW_PRIVATE"):
        return None
    where = address if address == host else f"{host} resolves to {address}"
    return f"blocked: {where}, a {kind} address (--allow-private to crawl it)"


class PublicAddressResolver(CachingThreadedResolver):
    """Scrapy's caching resolver, refusing non-public addresses for hosts the crawl
    was not seeded with. The refusals are kept in `blocked` (host -> reason): Twisted
    reports every failed resolution as the same DNSLookupError."""

    blocked: dict[str, str] = {}

    def __init__(self, reactor: Any, cache_size: int, timeout: float, crawler: Crawler | Any) -> None:
        super().__init__(reactor, cache_size, timeout)
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler | Any, reactor: Any) -> PublicAddressResolver:
        """`crawler` is the CrawlerProcess: Scrapy builds one resolver per reactor."""
        cache_size = crawler.settings.getint("DNSCACHE_SIZE") if crawler.settings.getbool("DNSCACHE_ENABLED") else 0
        return cls(reactor, cache_size, crawler.settings.getfloat("DNS_TIMEOUT"), crawler)

    def getHostByName(self, name: str, timeout: Sequence[int] = ()) -> Deferred[str]:
        return super().getHostByName(name, timeout).addCallback(self._check, name)

    def _check(self, address: str, name: str) -> str:
        reason = blocked_reason(self.crawler, name, address, connection=True)
        if reason is not None:
            PublicAddressResolver.blocked[name.lower()] = reason
            raise DNSLookupError(reason)
        return address

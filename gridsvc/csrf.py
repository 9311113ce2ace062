"""Cross-site request checks, the client's address and HTTPS behind a proxy. Pure: no I/O.

A state-changing request authenticated by the session cookie must come from a page of
this site: its ``Origin`` (else its ``Referer``) must name the host the request was sent
to, or one of the trusted origins. Requests with a Bearer key carry no ambient
credentials and are not checked.
"""

from __future__ import annotations

from collections.abc import Collection
from urllib.parse import urlsplit

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
DEFAULT_PORTS = {"http": 80, "https": 443}


def origin_of(url: str) -> str | None:
    """``scheme://host[:port]`` of a URL, lower-case, default port dropped; None if unusable."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
        return None
    host = parts.hostname.lower()
    if ":" in host:
        host = f"[{host}]"
    if port and port != DEFAULT_PORTS[parts.scheme]:
        host = f"{host}:{port}"
    return f"{parts.scheme}://{host}"


def _netloc(origin: str) -> str:
    return origin.split("://", 1)[1]


def _host_netloc(host: str, scheme: str) -> str:
    return _netloc(origin_of(f"{scheme}://{host}") or "") if host else ""


def cross_site_reason(
    method: str,
    origin: str | None,
    referer: str | None,
    host: str,
    scheme: str,
    trusted: Collection[str] = (),
) -> str | None:
    """Why a cookie-authenticated request must be refused as cross-site, or None if it may run.

    ``host`` is the request's Host header and ``scheme`` the scheme it arrived with.
    """
    if method.upper() in SAFE_METHODS:
        return None
    if origin and origin != "null":
        source, header = origin_of(origin), "Origin"
    elif referer:
        source, header = origin_of(referer), "Referer"
    else:
        return "a state-changing request with the session cookie needs an Origin or Referer header"
    if source is None:
        return f"the {header} header is not an http(s) origin"
    if source in {origin_of(t) for t in trusted}:
        return None
    if _netloc(source) == _host_netloc(host, scheme):
        return None
    return f"cross-site request refused: {header} '{source}' is not this site or a trusted origin"


def forwarded(client: str | None, trusted_proxies: Collection[str]) -> bool:
    """Whether the direct peer is a trusted proxy whose X-Forwarded-* headers count."""
    return client is not None and client in trusted_proxies


def client_address(
    client: str | None, forwarded_for: str | None, trusted_proxies: Collection[str]
) -> str | None:
    """The caller's address: the last hop of X-Forwarded-For not a trusted proxy, else the peer."""
    if not forwarded(client, trusted_proxies) or not forwarded_for:
        return client
    hops = [h.strip() for h in forwarded_for.split(",") if h.strip()]
    for hop in reversed(hops):
        if hop not in trusted_proxies:
            return hop[:64]
    return hops[0][:64] if hops else client


def is_https(
    scheme: str, forwarded_proto: str | None, client: str | None, trusted_proxies: Collection[str]
) -> bool:
    """Whether the browser talks HTTPS: the scheme, or a trusted proxy's X-Forwarded-Proto."""
    if scheme == "https":
        return True
    if forwarded(client, trusted_proxies) and forwarded_proto:
        return forwarded_proto.split(",")[0].strip().lower() == "https"
    return False


def cookie_secure(setting: str, https: bool) -> bool:
    """The cookie's Secure flag for the setting ``auto`` | ``true`` | ``false``."""
    return https if setting == "auto" else setting == "true"

"""Which address a request comes from, believing `X-Forwarded-For` only from trusted proxies.

Behind a reverse proxy every request reaches the API from the proxy's address; the proxy
appends the address it saw to `X-Forwarded-For`. Anyone can send that header, so it is read
only when the direct peer is a proxy the operator trusts (`VAXSHARE_TRUSTED_PROXIES`, none by
default), and then from the right: the first address that is not itself a trusted proxy is
the client. Entries to its left were written by the client and are never believed.
"""

from __future__ import annotations

from ipaddress import IPv4Network, IPv6Network, ip_address, ip_network

Network = IPv4Network | IPv6Network


def parse_trusted_proxies(text: str) -> tuple[Network, ...]:
    """Comma-separated addresses or CIDR networks; ValueError naming a bad entry."""
    networks: list[Network] = []
    for entry in text.split(","):
        if entry := entry.strip():
            try:
                networks.append(ip_network(entry, strict=False))
            except ValueError:
                raise ValueError(f"{entry!r} is not an IP address or CIDR network") from None
    return tuple(networks)


def _trusted(address: str, proxies: tuple[Network, ...]) -> bool:
    try:
        parsed = ip_address(address.strip())
    except ValueError:
        return False
    return any(parsed in network for network in proxies)


def client_address(peer: str | None, forwarded_for: list[str], proxies: tuple[Network, ...]) -> str:
    """The client's address: the peer, or what trusted proxies say they saw (right to left)."""
    address = peer or "unknown"
    if not proxies or not _trusted(address, proxies):
        return address
    hops = [hop.strip() for header in forwarded_for for hop in header.split(",")]
    for hop in reversed(hops):
        if not hop:
            continue
        if not _trusted(hop, proxies):
            return hop
        address = hop
    return address

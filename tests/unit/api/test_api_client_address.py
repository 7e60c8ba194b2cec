"""X-Forwarded-For is believed only from trusted proxies, and only the part they wrote."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from services.api.client_address import client_address, parse_trusted_proxies
from services.api.settings import ApiSettings

PROXIES = parse_trusted_proxies("10.0.0.0/8, 192.0.2.7")


@pytest.mark.parametrize(
    ("peer", "forwarded", "proxies", "client"),
    [
        ("203.0.113.5", [], (), "203.0.113.5"),
        # No proxy trusted: whatever the header says is ignored.
        ("127.0.0.1", ["198.51.100.1"], (), "127.0.0.1"),
        # An untrusted peer cannot speak for anyone.
        ("203.0.113.5", ["198.51.100.1"], PROXIES, "203.0.113.5"),
        ("192.0.2.7", ["198.51.100.1"], PROXIES, "198.51.100.1"),
        # The client wrote the left part; the proxies appended on the right.
        ("10.1.2.3", ["6.6.6.6, 198.51.100.1, 10.4.4.4"], PROXIES, "198.51.100.1"),
        ("10.1.2.3", ["6.6.6.6", "198.51.100.1"], PROXIES, "198.51.100.1"),
        # Only proxies all the way: the last one seen is the best there is.
        ("10.1.2.3", ["10.4.4.4"], PROXIES, "10.4.4.4"),
        ("10.1.2.3", [" , "], PROXIES, "10.1.2.3"),
        (None, [], PROXIES, "unknown"),
        ("::1", ["2001:db8::1"], parse_trusted_proxies("::1"), "2001:db8::1"),
    ],
)
def test_the_client_is_the_first_untrusted_address_from_the_right(
    peer: str | None, forwarded: list[str], proxies: tuple, client: str
) -> None:
    assert client_address(peer, forwarded, proxies) == client


def test_no_proxy_is_trusted_unless_configured_and_a_bad_entry_stops_the_service() -> None:
    login = {"redis_username": "api", "redis_password": "unused"}
    assert ApiSettings(**login).trusted_proxies == ""  # type: ignore[arg-type]
    assert parse_trusted_proxies("") == ()
    with pytest.raises(ValidationError, match="not an IP address"):
        ApiSettings(trusted_proxies="10.0.0.0/8, proxy.example", **login)  # type: ignore[arg-type]

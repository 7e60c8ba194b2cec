"""`make demo` gives the pseudonymisation key to the ingest and to no other service."""

from __future__ import annotations

from devtools import demo


def test_only_the_demo_ingest_gets_the_pseudonym_key() -> None:
    common = demo._env()
    assert "VAXSHARE_PSEUDONYM_KEY" not in common
    started = {name: env for name, _, _, env in demo.services(common, "ab" * 32)}
    assert set(started) == {"ingest", "aggregate", "aggregate-2", "api"}
    holders = {name for name, env in started.items() if "VAXSHARE_PSEUDONYM_KEY" in env}
    assert holders == {"ingest"}
    assert started["ingest"]["VAXSHARE_PSEUDONYM_KEY"] == "ab" * 32

"""The runbook: its commands exist, its links land on a section, it covers the operators' tasks."""

from __future__ import annotations

import re

from services.cli import COMMANDS
from tests.unit.deploy.deploy_files import OPERATIONS, markdown_anchors


def test_runbook_commands_are_real_vaxshare_commands() -> None:
    # "vaxshare <command>", not the namespace in "kubectl -n vaxshare get pods".
    used = set(re.findall(r"(?<!-n )\bvaxshare ([a-z][a-z-]*)\b", OPERATIONS.read_text()))
    assert used, "the runbook names no vaxshare command"
    assert used <= set(COMMANDS), f"unknown commands in the runbook: {used - set(COMMANDS)}"


def test_runbook_links_land_on_a_section() -> None:
    links = set(re.findall(r"\]\(#([^)]+)\)", OPERATIONS.read_text()))
    assert links
    assert links <= markdown_anchors(OPERATIONS), links - markdown_anchors(OPERATIONS)


def test_runbook_covers_the_operators_tasks() -> None:
    text = OPERATIONS.read_text()
    for command in (
        "vaxshare keys create",
        "vaxshare keys revoke",
        "vaxshare keys list",
        "vaxshare audit tail --key-id",
        "vaxshare aggregate rebuild",
        "vaxshare release create --as-of",
        "vaxshare release show",
        "vaxshare release publish",
        'vaxshare release hold <id> --reason "',
    ):
        assert command in text, f"the runbook does not show `{command}`"
    for section in ("scaling", "rotating-the-pseudonymisation-key", "a-council-officer-leaves"):
        assert section in markdown_anchors(OPERATIONS)

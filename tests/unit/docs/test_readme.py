"""The README stays true: every setting documented, every command it names exists."""

from __future__ import annotations

import re
from pathlib import Path

from services.aggregate.settings import AggregateSettings
from services.api.settings import ApiSettings
from services.cli import commands
from services.ingest.settings import IngestSettings
from services.release.settings import ReleaseSettings

ROOT = Path(__file__).resolve().parents[3]
README = (ROOT / "README.md").read_text()


def test_every_setting_is_in_the_readme_table() -> None:
    fields = set()
    for settings in (IngestSettings, AggregateSettings, ReleaseSettings, ApiSettings):
        fields |= {f"VAXSHARE_{name.upper()}" for name in settings.model_fields}
    documented = set(re.findall(r"`(VAXSHARE_[A-Z0-9_]+)`", README))
    assert fields - documented == set(), "settings missing from the README"
    assert documented - fields == set(), "the README documents settings that do not exist"


def test_the_two_commands_come_first_and_make_targets_exist() -> None:
    first_block = README.split("```sh", 1)[1].split("```", 1)[0]
    assert "make demo" in first_block and "make test" in first_block
    makefile = (ROOT / "Makefile").read_text()
    for target in re.findall(r"`make ([a-z-]+)`", README):
        assert re.search(rf"^{target}:", makefile, re.M), f"make {target} is not a target"


def test_every_vaxshare_command_in_the_readme_exists() -> None:
    for command in re.findall(r"vaxshare ([a-z][a-z-]*)", README):
        assert command in commands(), f"`vaxshare {command}` is not a command"

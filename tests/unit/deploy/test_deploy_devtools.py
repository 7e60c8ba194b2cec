"""Development tooling stays out of production: the image and the services never need it."""

from __future__ import annotations

import subprocess
import sys

from services.cli import COMMANDS, commands
from tests.unit.deploy.deploy_files import DOCKERFILE, DOCKERIGNORE

DEV_COMMANDS = {"stack", "simulate", "demo"}

# Runs the CLI as the production image would: `devtools` cannot be imported.
_WITHOUT_DEVTOOLS = """
import sys
from importlib.abc import MetaPathFinder

class NoDevtools(MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == "devtools" or name.startswith("devtools."):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None

sys.meta_path.insert(0, NoDevtools())
from services.cli import main
sys.exit(main(sys.argv[1:]))
"""


def test_the_image_copies_services_only() -> None:
    copied = [
        line.split()[1] for line in DOCKERFILE.read_text().splitlines() if line.startswith("COPY")
    ]
    assert "services" in copied and not any("devtools" in c for c in copied)
    assert not any("devtools" in line for line in DOCKERIGNORE.read_text().splitlines())


def test_development_commands_come_from_devtools_when_installed() -> None:
    assert DEV_COMMANDS.isdisjoint(COMMANDS), "the services' own commands name no dev tooling"
    installed = commands()
    assert set(installed) >= DEV_COMMANDS
    assert all(installed[name][0].startswith("devtools.") for name in DEV_COMMANDS)


def test_the_cli_works_without_devtools_and_does_not_offer_its_commands() -> None:
    run = [sys.executable, "-c", _WITHOUT_DEVTOOLS]
    usage = subprocess.run([*run, "--help"], capture_output=True, text=True, check=False)
    assert usage.returncode == 0, usage.stderr
    listed = {line.split()[0] for line in usage.stdout.splitlines() if line.startswith("  ")}
    assert listed == set(COMMANDS)
    missing = subprocess.run([*run, "simulate"], capture_output=True, text=True, check=False)
    assert missing.returncode == 2 and "unknown command 'simulate'" in missing.stderr

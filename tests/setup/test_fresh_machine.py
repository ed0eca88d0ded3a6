"""What a fresh machine of this project's kind would install for the browser tests.

`scripts/ensure-browser --plan` names the packages a fresh machine lacks; `--check` simulates
installing exactly that set with `apt-get install -s`. On machines where Node.js comes from
NodeSource, npm is bundled and Debian's `npm` package conflicts with `nodejs`: asking for it made
`make test` fail on a fresh machine while a machine with Chromium installed by hand passed.
"""

import shutil
import subprocess
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "ensure-browser"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(SCRIPT), *args], capture_output=True, text=True, timeout=300)


def test_the_plan_asks_for_chromium_and_for_npm_only_when_npm_does_not_work() -> None:
    plan = run("--plan")
    assert plan.returncode == 0, plan.stderr
    packages = plan.stdout.split()
    assert "chromium" in packages  # counted as missing, as on a fresh machine
    npm_works = (
        subprocess.run(["npm", "--version"], capture_output=True).returncode == 0 if shutil.which("npm") else False
    )
    assert ("npm" in packages) is (not npm_works)


@pytest.mark.skipif(shutil.which("apt-get") is None, reason="not a Debian machine")
def test_the_plan_installs_on_this_machine() -> None:
    check = run("--check")
    assert check.returncode == 0, check.stdout + check.stderr
    assert "Simulating: apt-get install -s chromium" in check.stdout


def test_a_plan_with_a_conflict_fails_the_check(tmp_path: Path) -> None:
    # A stand-in apt-get that refuses as apt does when nodejs conflicts with npm: the check must fail.
    fake = tmp_path / "apt-get"
    fake.write_text("#!/bin/sh\necho ' nodejs : Conflicts: npm'; echo 'E: Unable to correct problems' >&2; exit 100\n")
    fake.chmod(0o755)
    env_path = f"{tmp_path}:/usr/bin:/bin"
    check = subprocess.run([str(SCRIPT), "--check"], capture_output=True, text=True, timeout=60, env={"PATH": env_path})
    assert check.returncode != 0
    assert "Conflicts: npm" in check.stderr

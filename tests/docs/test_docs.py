"""The users' docs hold on a fresh clone: links point inside the repository, and the quickstart's curl
calls run as written with nothing but curl and a shell."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import stripe

from tests.merchants.factories import MerchantKeys
from tests.servers import LynkServer

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_links_and_paths_stay_inside_the_repository(page: Path) -> None:
    text = page.read_text()
    assert not re.search(r"(?<![\w.])/(work|home|tmp)/", text), "a path outside the repository"
    for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", text):
        if "://" in target or target.startswith("mailto:"):
            continue
        assert (page.parent / target).exists(), f"{page.name} links to missing {target}"


def test_quickstart_curl_runs_as_written(
    server: LynkServer, merchant: MerchantKeys, client: stripe.StripeClient, tmp_path: Path
) -> None:
    guide = (ROOT / "docs" / "quickstart.md").read_text()
    (block,) = [b for b in re.findall(r"```sh\n(.*?)```", guide, flags=re.DOTALL) if "curl" in b]
    script = block.replace("sk_test_…", merchant.secret_key).replace("http://127.0.0.1:7242", server.base_url)
    bin_dir = tmp_path / "bin"  # only a shell and curl: no uuidgen or other helper the page might assume
    bin_dir.mkdir()
    for tool in ("curl", "bash"):
        (bin_dir / tool).symlink_to(shutil.which(tool) or tool)
    for _ in range(2):  # the second run is a retry: the Idempotency-Key replays, nothing is created twice
        done = subprocess.run(
            [str(bin_dir / "bash"), "-euc", script],
            env={"PATH": str(bin_dir)},
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        assert '"object": "list"' in done.stdout or '"object":"list"' in done.stdout
    made = client.v1.customers.list(params={"email": "jenny@example.com"}).data
    assert len(made) == 1 and made[0].metadata["order_id"] == "6735"

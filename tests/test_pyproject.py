"""pyproject.toml in the form current setuptools takes without a deprecation warning: the licence as an
SPDX expression (PEP 639), with a build requirement on a setuptools that reads it."""

from __future__ import annotations

import tomllib
from pathlib import Path

from packaging.licenses import canonicalize_license_expression
from packaging.requirements import Requirement
from packaging.version import Version

PYPROJECT = tomllib.loads((Path(__file__).resolve().parents[1] / "pyproject.toml").read_text())


def test_license_is_an_spdx_expression() -> None:
    license_ = PYPROJECT["project"]["license"]
    assert isinstance(license_, str), "a {text = …} table is deprecated by setuptools"
    assert canonicalize_license_expression(license_) == license_ == "Apache-2.0"


def test_build_asks_for_a_setuptools_that_reads_spdx_licenses() -> None:
    (setuptools,) = [Requirement(r) for r in PYPROJECT["build-system"]["requires"] if r.startswith("setuptools")]
    assert not setuptools.specifier.contains(Version("76.9")), "setuptools before 77 rejects license = '…'"
    assert setuptools.specifier.contains(Version("77.0"))

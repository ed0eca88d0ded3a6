"""lynk.connectors is a leaf: it imports only the standard library, lynk.core, itself and the processors'
client libraries (a real connector speaks its processor's API: the `stripe` SDK over `httpx`)."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import lynk.connectors

PACKAGE = Path(lynk.connectors.__file__).parent
PROCESSOR_CLIENTS = {"stripe", "httpx"}


def imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_connectors_import_only_the_standard_library_and_core() -> None:
    def allowed(name: str) -> bool:
        top = name.split(".")[0]
        return (
            top in sys.stdlib_module_names
            or top in PROCESSOR_CLIENTS
            or name.startswith(("lynk.core", "lynk.connectors"))
        )

    files = sorted(PACKAGE.glob("*.py"))
    assert files
    for path in files:
        assert {name for name in imported_modules(path) if not allowed(name)} == set(), path.name

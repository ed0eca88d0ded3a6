"""The elements' `appearance` (lynk.elements({appearance})): a theme and a few variables, checked here and
applied inside the frame as CSS custom properties (static/element.js), so a merchant's page can make the
element fit without reaching into it. Anything not understood is dropped, never echoed into the page."""

from __future__ import annotations

import json
import re

THEMES = ("stripe", "night", "flat")
_RULES = {
    "colorPrimary": re.compile(r"#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})"),
    "colorBackground": re.compile(r"#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})"),
    "colorText": re.compile(r"#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})"),
    "fontFamily": re.compile(r"[A-Za-z0-9 ,'\"-]{1,120}"),
    "borderRadius": re.compile(r"(?:[0-9]{1,2}(?:\.[0-9]{1,2})?)(?:px|rem|em)|0"),
}


def parse(given: str) -> dict[str, str]:
    """`{"theme": …, "variables": {…}}` as JSON, reduced to what is allowed: {"theme": …, "colorPrimary": …}."""
    try:
        value = json.loads(given) if given else {}
    except ValueError:
        return {"theme": "stripe"}
    if not isinstance(value, dict):
        return {"theme": "stripe"}
    theme = value.get("theme")
    chosen = {"theme": theme if theme in THEMES else "stripe"}
    variables = value.get("variables")
    if isinstance(variables, dict):
        for name, rule in _RULES.items():
            given_value = variables.get(name)
            if isinstance(given_value, str) and rule.fullmatch(given_value.strip()):
                chosen[name] = given_value.strip()
    return chosen

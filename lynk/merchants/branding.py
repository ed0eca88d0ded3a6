"""A merchant's branding on Lynk's pages for her shoppers (hosted checkout, 3-D Secure, the success page).

Set with `POST /v1/account` (`settings[branding][primary_color|icon|logo]`) or `lynk merchants brand`.
Nothing here is HTML: a colour is `#rrggbb`; an image is an https URL or a base64 data URL whose bytes
are a PNG, JPEG, GIF or WebP (never SVG, which may carry script), shown in an `<img>`. Pages allow
exactly that image's origin in their Content-Security-Policy (`image_origins`).
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from lynk.core.errors import ParameterInvalid
from lynk.models import Merchant

MAX_URL_LENGTH = 2048
MAX_IMAGE_BYTES = 100_000  # a logo, not a photo: data URLs live in the merchants row
MAX_DATA_URL_LENGTH = 40 + (MAX_IMAGE_BYTES + 2) // 3 * 4
_COLOR = re.compile(r"#[0-9a-fA-F]{6}")
_DATA_URL = re.compile(r"data:(image/(?:png|jpeg|gif|webp));base64,([A-Za-z0-9+/]+={0,2})")
_MAGIC = {
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/gif": (b"GIF87a", b"GIF89a"),
    "image/webp": (b"RIFF",),
}
_URL_CHARACTERS = re.compile(r"[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+")


@dataclass(frozen=True)
class Branding:
    """What a page shows of the merchant: her name, and her colour, icon and logo when set."""

    name: str
    color: str | None = None
    icon: str | None = None
    logo: str | None = None

    @property
    def text_on_color(self) -> str:
        """Black or white, whichever reads better on the brand colour (WCAG relative luminance)."""
        if self.color is None:
            return "#ffffff"
        channels = [int(self.color[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        luminance = 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
        return "#000000" if (luminance + 0.05) / 0.05 > 1.05 / (luminance + 0.05) else "#ffffff"

    @property
    def image_origins(self) -> list[str]:
        """The https origins of its images, for a page's `img-src`."""
        found = []
        for url in (self.logo, self.icon):
            if url and url.startswith("https://"):
                parts = urlsplit(url)
                found.append(f"https://{parts.netloc}")
        return sorted(set(found))


def of(merchant: Merchant) -> Branding:
    return Branding(merchant.name, merchant.brand_color, merchant.brand_icon, merchant.brand_logo)


def color(value: str, param: str) -> str:
    if not _COLOR.fullmatch(value):
        raise ParameterInvalid(f"Invalid {param}: give a colour as #rrggbb, for example #4b44d6.", param=param)
    return value.lower()


def image(value: str, param: str) -> str:
    """An https URL (no credentials, no spaces or quotes) or a data URL of a PNG, JPEG, GIF or WebP."""
    if value.startswith("data:"):
        return _data_url(value, param)
    parts = urlsplit(value)
    if (
        len(value) > MAX_URL_LENGTH
        or parts.scheme != "https"
        or not parts.hostname
        or parts.username is not None
        or not _URL_CHARACTERS.fullmatch(value)
    ):
        raise ParameterInvalid(
            f"Invalid {param}: give an https:// URL of an image, or a data URL of a PNG, JPEG, GIF or WebP.",
            param=param,
        )
    return value


def _data_url(value: str, param: str) -> str:
    found = _DATA_URL.fullmatch(value) if len(value) <= MAX_DATA_URL_LENGTH else None
    if found is None:
        raise ParameterInvalid(
            f"Invalid {param}: a data URL must be data:image/png, jpeg, gif or webp;base64 "
            f"and hold at most {MAX_IMAGE_BYTES} bytes.",
            param=param,
        )
    try:
        data = base64.b64decode(found.group(2), validate=True)
    except (binascii.Error, ValueError):
        raise ParameterInvalid(f"Invalid {param}: the data URL is not valid base64.", param=param) from None
    kind = found.group(1)
    if not data.startswith(_MAGIC[kind]) or (kind == "image/webp" and data[8:12] != b"WEBP"):
        raise ParameterInvalid(f"Invalid {param}: the data is not a {kind.split('/')[1].upper()} image.", param=param)
    return value

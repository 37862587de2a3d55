"""Barcodes and QR codes for labels, as SVG data URIs (no files, no network; the same markup
works in the PDF and in the browser preview)."""

from __future__ import annotations

import base64

import barcode
import segno
from barcode.writer import SVGWriter


def qr_data_uri(text: str) -> str:
    """A QR code of ``text`` (error correction M, survives a smudged label)."""
    return segno.make(text, error="m", micro=False).svg_data_uri(scale=4, border=4)


def code128_data_uri(text: str) -> str:
    """A Code128 barcode of ``text``; the human-readable text is printed by the template."""
    svg = barcode.get("code128", text, writer=SVGWriter()).render(
        {"write_text": False, "module_width": 0.33, "module_height": 15, "quiet_zone": 6, "compress": False}
    )
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")

"""The HTML part of an e-mail: the rendered text, escaped, in paragraphs, in the shop's
layout, right to left in Persian.

Only the shop's own addresses become links (``links``: the tracking page, the shop, the cart's
restore link, addresses the seller typed into the template). Text a customer typed (a name, a
note) may look like an address: it stays text, so nobody can make the shop send a clickable
link of their choosing to someone else's mailbox.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator, Mapping
from typing import Any

from flask import current_app
from flask_babel import force_locale

_URL = re.compile(r"https?://[^\s<>\"']+")
_URL_TAIL = ".,;:!?)]}'\"»،؛"


def find_urls(text: str) -> Iterator[str]:
    """The bare http(s) addresses in ``text``, without the punctuation that ends a sentence."""
    for match in _URL.finditer(text):
        url = match.group(0).rstrip(_URL_TAIL)
        if len(url) > len("https://"):
            yield url


def _segments(line: str, links: Collection[str]) -> list[dict[str, str]]:
    """A line of text as pieces, the shop's own addresses (``links``) marked as links."""
    pieces: list[dict[str, str]] = []
    position = 0
    for match in _URL.finditer(line):
        url = match.group(0).rstrip(_URL_TAIL)
        if len(url) <= len("https://") or url not in links:
            continue
        if match.start() > position:
            pieces.append({"text": line[position : match.start()], "url": ""})
        pieces.append({"text": url, "url": url})
        position = match.start() + len(url)
    if position < len(line):
        pieces.append({"text": line[position:], "url": ""})
    return pieces


def _paragraphs(text: str, links: Collection[str]) -> list[list[list[dict[str, str]]]]:
    """Blank lines separate paragraphs; within one, each line is kept (a <br>)."""
    paragraphs = re.split(r"\n\s*\n", text.replace("\r\n", "\n").strip())
    return [
        [_segments(line, links) for line in paragraph.split("\n")]
        for paragraph in paragraphs
        if paragraph.strip()
    ]


def render_email_html(
    text: str,
    *,
    language: str,
    shop: Mapping[str, Any],
    subject: str = "",
    links: Collection[str] = (),
) -> str:
    """The HTML part of an e-mail: the rendered text (escaped) in the shop's layout, right to
    left in Persian. ``shop`` is the context's ``shop`` group (name, url, email, phone);
    ``links`` the addresses that may be clickable (``rendering.shop_links``), no others."""
    from shop.i18n import text_direction

    with force_locale(language):
        template = current_app.jinja_env.get_template("notifications/email.html")
        return template.render(
            language=language,
            direction=text_direction(language),
            subject=subject,
            shop={key: shop.get(key, "") for key in ("name", "url", "email", "phone")},
            paragraphs=_paragraphs(text, frozenset(links)),
        )


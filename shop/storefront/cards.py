"""Product cards of the storefront's lists, rendered once per process for what they show.

A list page shows 24 cards; rendering each (two addresses, a formatted price, translated words)
was most of a home page's time. A card's HTML depends only on the values in its key below (the
card's own fields as the page's query read them just now, its picture, the reader's language,
the shop's default language and currency, the site's root), so a card rendered for the same
values is the same HTML: nothing here can be stale, a price or stock change is a new key. No
per-visitor value (cart, CSRF token, nonce) is in a card.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from threading import Lock

from flask import current_app, request
from markupsafe import Markup

from shop.catalog.listing import CardPicture, ProductCard
from shop.i18n import locale_code

# About 1 KB each: a few MB per process, enough for the cards people actually browse; past
# that the oldest rendered go first.
MAX_CARDS = 5000

_rendered: OrderedDict[tuple, Markup] = OrderedDict()
_lock = Lock()


def _picture_key(photo: CardPicture | None) -> tuple | None:
    if photo is None:
        return None
    renditions = photo.renditions or {}
    widths = tuple(sorted((key, rendition.get("width")) for key, rendition in renditions.items()))
    return (photo.id, photo.digest, widths)


def renderer() -> Callable[[ProductCard, str, str], Markup]:
    """``product_card`` for this request's page, with the request's part of the key (app, site
    root, language) looked up once rather than for each of the page's cards."""
    request_key = (
        id(current_app._get_current_object()),  # noqa: SLF001  (tests run several apps in one process)
        request.script_root,
        locale_code(),
    )
    return lambda card, currency, default_language: _card(request_key, card, currency, default_language)


def product_card(card: ProductCard, currency: str, default_language: str) -> Markup:
    """The ``<li class="product-card">`` of ``card`` in the reader's language."""
    return renderer()(card, currency, default_language)


def card_key(card: ProductCard) -> tuple:
    """Every value of ``card`` its HTML shows (with the reader's language and the currency)."""
    return (
        card.id,
        card.slug,
        tuple(sorted((card.name or {}).items())),
        card.price_from,
        card.variant_count,
        card.in_stock,
        _picture_key(card.picture),
    )


def _card(request_key: tuple, card: ProductCard, currency: str, default_language: str) -> Markup:
    key = (*request_key, default_language, currency, *card_key(card))
    html = _rendered.get(key)
    if html is not None:
        return html
    template = current_app.jinja_env.get_template("storefront/_card.html")
    html = Markup(template.render(product=card, photo=card.picture, currency=currency))
    with _lock:
        _rendered[key] = html
        while len(_rendered) > MAX_CARDS:
            _rendered.popitem(last=False)
    return html

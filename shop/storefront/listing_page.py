"""The body of the home, search and category pages (categories, title, sort form, cards,
pages), rendered once per process for what it shows, like the cards (cards.py) and the
product page's body (product_page.py).

The key holds every value the body shows, as read at the request's revision (shop.readcache):
each card's fields (cards.card_key), the categories' slugs and names, the category shown, the
search words, the sort, the stock filter, the page and whether a next one exists, the reader's
language, the shop's default language and currency, the site's root and the page's address.
A price, stock, name or category change is a new key, so nothing can be stale. Nothing per
visitor (cart, CSRF token, nonce, flashed messages) is in the body: base.html renders those
around it on every request.
"""

from __future__ import annotations

from collections import OrderedDict
from threading import Lock

from flask import current_app, request
from jinja2_fragments.flask import render_block
from markupsafe import Markup

from shop.i18n import locale_code
from shop.storefront import cards

# A body is about 10 KB: a few MB per process for the list pages people open most.
MAX_BODIES = 500

_rendered: OrderedDict[tuple, Markup] = OrderedDict()
_lock = Lock()


def _names(texts: dict | None) -> tuple:
    return tuple(sorted((texts or {}).items()))


def _key(context: dict, currency: str, default_language: str) -> tuple:
    listing, category = context["listing"], context["category"]
    return (
        id(current_app._get_current_object()),  # noqa: SLF001  (tests run several apps in one process)
        request.script_root,
        request.endpoint,
        locale_code(),
        default_language,
        currency,
        context["query"],
        listing.sort,
        listing.in_stock_only,
        listing.page,
        listing.has_next,
        (category.id, category.slug, _names(category.name)) if category is not None else None,
        tuple((c.id, c.slug, _names(c.name)) for c in context["categories"]),
        tuple(cards.card_key(card) for card in listing.cards),
    )


def listing_body(context: dict, currency: str, default_language: str) -> Markup:
    """listing.html's ``content`` block for ``context`` (the view's template context)."""
    key = _key(context, currency, default_language)
    html = _rendered.get(key)
    if html is None:
        html = Markup(render_block("storefront/listing.html", "content", **context))
        with _lock:
            _rendered[key] = html
            while len(_rendered) > MAX_BODIES:
                _rendered.popitem(last=False)
    return html

"""The product page's body (pictures, texts, variant picker, price, stock), rendered once per
process for what it shows, like the list cards (cards.py).

The key holds every value the body shows: the product's and its category's fields, each variant
on sale with its price, VAT rate, SKU and stock left, the chosen variant, the pictures, the
reader's language, the shop's default language and currency, the site's root, as the database
holds them when the page is built, so a price, stock or setting change is a new key and
nothing can be stale. Between two commits the whole page is kept per revision (shop.readcache)
and this key is not even computed; after a commit, bodies whose values did not change are
found here. The one per-visitor value, the add-to-cart form's CSRF token, is rendered as a
per-process random marker and put in per request (with_token); form errors and "added"
messages are never cached (only the plain GET uses this).
"""

from __future__ import annotations

import secrets
from collections import OrderedDict
from threading import Lock

from flask import current_app, request
from jinja2_fragments.flask import render_block
from markupsafe import Markup

from shop.i18n import locale_code
from shop.settings import services as settings

# Product bodies are a few KB: a few thousand keep the pages people visit, oldest go first.
MAX_BODIES = 2000
# Random per process, so no seller-written text can contain it.
_TOKEN_MARKER = f"csrf-marker-{secrets.token_hex(12)}"

_rendered: OrderedDict[tuple, str] = OrderedDict()
_lock = Lock()


def _key(product, variant, photos, available: dict[int, int]) -> tuple:  # noqa: ANN001
    shop = settings.current()
    category = product.category
    return (
        id(current_app._get_current_object()),  # noqa: SLF001  (tests run several apps in one process)
        request.script_root,
        locale_code(),
        shop.default_language,
        shop.currency,
        product.id,
        product.slug,
        tuple(sorted((product.name or {}).items())),
        tuple(sorted((product.description or {}).items())),
        product.returnable,
        category.slug,
        tuple(sorted((category.name or {}).items())),
        tuple(
            (v.id, v.sku, v.price, v.vat_rate, tuple(sorted((v.name or {}).items())), available.get(v.id))
            for v in product.variants
        ),
        variant.id,
        tuple(
            (
                p.id,
                p.digest,
                tuple(sorted((k, (r or {}).get("width")) for k, r in (p.renditions or {}).items())),
            )
            for p in photos
        ),
    )


def body(context: dict, form) -> str:  # noqa: ANN001
    """The page's ``content`` block for ``context`` (product, variant, photos, available) and the
    add-to-cart ``form``, with a marker where the visitor's CSRF token goes (with_token)."""
    key = _key(context["product"], context["variant"], context["photos"], context["available"])
    html = _rendered.get(key)
    if html is None:
        token = form.csrf_token.current_token
        form.csrf_token.current_token = _TOKEN_MARKER
        try:
            html = render_block("storefront/product.html", "content", form=form, added=False, **context)
        finally:
            form.csrf_token.current_token = token
        with _lock:
            _rendered[key] = html
            while len(_rendered) > MAX_BODIES:
                _rendered.popitem(last=False)
    return html


def with_token(html: str, form) -> Markup:  # noqa: ANN001
    """``html`` from body() with ``form``'s CSRF token in place of the marker."""
    return Markup(html.replace(_TOKEN_MARKER, form.csrf_token.current_token))

"""The catalog's pages: home, search, categories, the product page and its placeholder picture."""

from __future__ import annotations

from flask import make_response, redirect, render_template, request, url_for

from shop.catalog import listing
from shop.catalog import services as catalog
from shop.catalog.models import Product, Variant
from shop.catalog.pictures import pictures_of
from shop.errors import NotFound
from shop.i18n import locale_code
from shop.settings import services as settings
from shop.storefront import cards
from shop.storefront.blueprint import bp
from shop.storefront.forms import AddToCartForm
from shop.storefront.listing_page import listing_body
from shop.storefront.product_page import product_body
from shop.web import is_htmx, query_text, render

# --- catalog -----------------------------------------------------------------------------


def _listing(category=None, categories=None):  # noqa: ANN001
    """Home, search and category pages: one page of product cards, as ``?q=``, ``?sort=``,
    ``?stock=1`` and ``?page=`` ask (anything unknown falls back to the default).
    ``categories``: the shop's categories (the menu), when the caller read them already."""
    query = query_text("q") if category is None else ""
    sort = listing.parse_sort(request.args.get("sort"), searching=bool(query))
    in_stock_only = request.args.get("stock") == "1"
    page = listing.product_page(
        category=category,
        query=query,
        sort=sort,
        in_stock_only=in_stock_only,
        page=listing.parse_page(request.args.get("page")),
        locale=locale_code(),
        default_locale=settings.current().default_language,
    )
    context = {
        "products": page.cards,
        "listing": page,
        "sorts": listing.SORTS,
        "query": query,
        "categories": categories if categories is not None else catalog.categories(),
        "category": category,
        "product_card": cards.renderer(),
    }
    shop = settings.current()
    body = listing_body(context, shop.currency, shop.default_language)
    return render_template("storefront/listing.html", listing_body=body, **context)


@bp.get("/")
def home():
    return _listing()


@bp.get("/search")
def search():
    return redirect(url_for("storefront.home", q=query_text("q")), 303)


@bp.get("/c/<slug>")
def category(slug: str):
    # The menu lists every category: the page's own is found among them, one statement less.
    categories = catalog.categories()
    found = next((category for category in categories if category.slug == slug), None)
    if found is None:
        raise NotFound()
    return _listing(found, categories)


def _variant_from_args(product: Product) -> Variant:
    raw = request.args.get("variant", "")
    chosen = next((v for v in product.variants if str(v.id) == raw), None)
    return chosen or product.variants[0]


def product_page_response(
    product: Product, variant: Variant, form: AddToCartForm, *, status: int = 200, added: bool = False
):
    available = catalog.available_by_variant([v.id for v in product.variants])
    photos = pictures_of(product.id)
    # The chosen variant's own picture first, then the product's in the seller's order.
    photos.sort(key=lambda photo: photo.variant_id != variant.id)
    context = {"product": product, "photos": photos, "variant": variant, "available": available}
    if status == 200 and not added and not form.errors and not is_htmx():
        context["product_body"] = product_body(form, context)
    return render("storefront/product.html", "buy_box", status=status, form=form, added=added, **context)


@bp.get("/p/<slug>")
def product(slug: str):
    product = catalog.product_by_slug(slug)
    variant = _variant_from_args(product)
    form = AddToCartForm(product=product.id, variant=variant.id, quantity=1)
    return product_page_response(product, variant, form)


@bp.get("/p/<slug>/picture.svg")
def picture(slug: str):
    product = catalog.product_by_slug(slug)
    response = make_response(render_template("storefront/picture.svg", product=product))
    response.mimetype = "image/svg+xml"
    response.cache_control.public = True
    response.cache_control.max_age = 3600
    return response

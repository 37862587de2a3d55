"""The catalog's pages: home, search, categories, the product page and its placeholder picture."""

from __future__ import annotations

from dataclasses import dataclass

from flask import make_response, redirect, render_template, request, url_for

from shop import readcache
from shop.catalog import listing
from shop.catalog import services as catalog
from shop.catalog.models import Product, Variant
from shop.catalog.pictures import pictures_of
from shop.errors import NotFound
from shop.i18n import locale_code
from shop.settings import services as settings
from shop.storefront import cards, product_page
from shop.storefront.blueprint import bp
from shop.storefront.forms import AddToCartForm
from shop.storefront.listing_page import listing_body
from shop.web import is_htmx, parse_id, query_text, render

# --- catalog -----------------------------------------------------------------------------


def _listing(category: catalog.MenuCategory | None = None):
    """Home, search and category pages: one page of product cards, as ``?q=``, ``?sort=``,
    ``?stock=1`` and ``?page=`` ask (anything unknown falls back to the default)."""
    query = query_text("q") if category is None else ""
    shop = settings.current()
    asked = {
        "category_id": category.id if category else None,
        "query": query,
        "sort": listing.parse_sort(request.args.get("sort"), searching=bool(query)),
        "in_stock_only": request.args.get("stock") == "1",
        "page": listing.parse_page(request.args.get("page")),
        "locale": locale_code(),
        "default_locale": shop.default_language,
    }
    page = readcache.remember("listing", tuple(asked.values()), lambda: listing.product_page(**asked))
    context = {
        "products": page.cards,
        "listing": page,
        "sorts": listing.SORTS,
        "query": query,
        "categories": catalog.menu(),  # kept for the revision: a category page read it already
        "category": category,
        "product_card": cards.renderer(),
    }
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
    # The menu lists every category: the page's own is found among them.
    found = next((category for category in catalog.menu() if category.slug == slug), None)
    if found is None:
        raise NotFound()
    return _listing(found)


def _variant_asked() -> int | None:
    """``?variant=``: the id of the variant to show; anything else shows the first."""
    return parse_id(request.args.get("variant"))


def _variant_from_args(product: Product) -> Variant:
    asked = _variant_asked()
    chosen = next((v for v in product.variants if v.id == asked), None)
    return chosen or product.variants[0]


def _product_context(product: Product, variant: Variant) -> dict:
    available = catalog.available_by_variant([v.id for v in product.variants])
    photos = pictures_of(product.id)
    # The chosen variant's own picture first, then the product's in the seller's order.
    photos.sort(key=lambda photo: photo.variant_id != variant.id)
    return {
        "product": product,
        "product_name": product.name,
        "photos": photos,
        "variant": variant,
        "available": available,
    }


def product_page_response(
    product: Product,
    variant: Variant,
    form: AddToCartForm,
    *,
    status: int = 200,
    added: bool = False,
    swap_picture: bool = False,
):
    """The product page (or its buy box, for htmx) built from the database: after adding to
    the cart, with a form's errors, or when the variant picker asks (``swap_picture``: the
    answer also replaces the pictures, the chosen variant's own first)."""
    context = _product_context(product, variant)
    return render(
        "storefront/product.html",
        "buy_box",
        status=status,
        form=form,
        added=added,
        swap_picture=swap_picture,
        **context,
    )


@dataclass(frozen=True)
class ProductPage:
    """A product page's plain GET as every visitor gets it: the ids for the add-to-cart form,
    the name for the title, the body with a marker where the visitor's CSRF token goes."""

    product_id: int
    variant_id: int
    name: dict[str, str]
    body: str


def _asked_product(slug: str) -> tuple[Product, Variant, AddToCartForm]:
    """The product of ``slug``, the variant the address asks for and a fresh add-to-cart form."""
    product = catalog.product_by_slug(slug)
    variant = _variant_from_args(product)
    return product, variant, AddToCartForm(product=product.id, variant=variant.id, quantity=1)


def _read_product_page(slug: str) -> ProductPage:
    product, variant, form = _asked_product(slug)
    body = product_page.body(_product_context(product, variant), form)
    return ProductPage(product.id, variant.id, product.name or {}, body)


@bp.get("/p/<slug>")
def product(slug: str):
    if is_htmx():  # the variant picker asks for the buy box
        return product_page_response(*_asked_product(slug), swap_picture=True)
    asked = (slug, _variant_asked(), locale_code(), request.script_root)
    page = readcache.remember("product-page", asked, lambda: _read_product_page(slug))
    form = AddToCartForm(product=page.product_id, variant=page.variant_id, quantity=1)
    response = make_response(
        render_template(
            "storefront/product.html",
            form=form,
            product_name=page.name,
            product_body=product_page.with_token(page.body, form),
        )
    )
    response.vary.add("HX-Request")
    return response


@bp.get("/p/<slug>/picture.svg")
def picture(slug: str):
    product = catalog.product_by_slug(slug)
    response = make_response(render_template("storefront/picture.svg", product=product))
    response.mimetype = "image/svg+xml"
    response.cache_control.public = True
    response.cache_control.max_age = 3600
    return response

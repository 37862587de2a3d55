"""The cart (a quotation): the shopper's open cart in the session or the account, its lines,
and the reminder's link that brings a left cart back."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, session, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import selectinload

from shop.catalog import services as catalog
from shop.catalog.models import Product, Variant
from shop.errors import NotFound, OutOfStock, ShopError
from shop.extensions import db
from shop.i18n import locale_code
from shop.sales import services as sales
from shop.sales.models import (
    Order,
    OrderLine,
    OrderState,
    delivery_method_label,
    payment_method_label,
    state_label,
)
from shop.settings import services as settings
from shop.storefront.blueprint import bp
from shop.storefront.catalog import product_page_response
from shop.storefront.forms import ActionForm, AddToCartForm, LineQuantityForm
from shop.web import is_htmx, parse_id, render

CART_SESSION_KEY = "cart_id"
# A cart's lines with their variants and products in two more statements, however many lines.
_CART_LOADING = (selectinload(Order.lines).selectinload(OrderLine.variant).joinedload(Variant.product),)


# --- the cart in the session --------------------------------------------------------------


def current_cart(*, create: bool = False) -> Order | None:
    """The shopper's open quotation: the account's when logged in, else the one in the session."""
    if current_user.is_authenticated:
        cart = db.session.scalar(
            db.select(Order)
            .where(Order.customer_id == current_user.id, Order.state == OrderState.QUOTATION)
            .order_by(Order.id.desc())
            .limit(1)
            .options(*_CART_LOADING)
        )
    else:
        cart_id = session.get(CART_SESSION_KEY)
        cart = db.session.get(Order, cart_id, options=_CART_LOADING) if isinstance(cart_id, int) else None
        if cart is not None and (cart.state != OrderState.QUOTATION or cart.customer_id is not None):
            cart = None
    if cart is None and create:
        cart = sales.start_quotation(
            locale=locale_code(), customer_id=current_user.id if current_user.is_authenticated else None
        )
        db.session.flush()
        if not current_user.is_authenticated:
            session[CART_SESSION_KEY] = cart.id
    return cart


@bp.app_context_processor
def _storefront_context() -> dict:
    counted: list[int] = []

    def cart_count() -> int:
        # The badge shows it twice: one look-up per page (an account's cart is a query).
        if not counted:
            cart = current_cart()
            counted.append(cart.item_count if cart else 0)
        return counted[0]

    return {
        "cart_count": cart_count,
        "shop": settings.current,
        "state_label": state_label,
        "delivery_method_label": delivery_method_label,
        "payment_method_label": payment_method_label,
    }


# --- cart --------------------------------------------------------------------------------


@bp.post("/cart/add")
def add_to_cart():
    form = AddToCartForm()
    product_id = parse_id(form.product.data)
    product = db.session.get(Product, product_id) if product_id else None
    if product is None or not product.published:
        raise NotFound()
    variant = next((v for v in product.variants if v.id == form.variant.data), None)
    if form.validate_on_submit() and variant is None:
        form.variant.errors = [_("Choose one of this product's variants.")]
    elif form.validate_on_submit():
        try:
            cart = current_cart(create=True)
            sales.add_to_cart(cart, variant, form.quantity.data)
            db.session.commit()
        except ShopError as error:
            db.session.rollback()
            form.show_error(error)
        else:
            if not is_htmx():
                flash(_("Added to your cart."), "success")
                return redirect(url_for("storefront.cart"), 303)
            response = product_page_response(
                product, variant, AddToCartForm(product=product.id, variant=variant.id), added=True
            )
            response.headers["HX-Trigger"] = "cart-changed"
            return response
    return product_page_response(product, variant or product.variants[0], form, status=422)


def _cart_page(cart: Order | None, *, status: int = 200, errors: dict[int, str] | None = None) -> Response:
    """The cart at today's prices, computed for the page and not stored (a GET writes nothing)."""
    priced = sales.priced_cart(cart) if cart is not None else None
    lines = priced.lines if priced else []
    available = catalog.available_by_variant([line.variant_id for line in lines]) if lines else {}
    return render(
        "storefront/cart.html",
        "cart",
        status=status,
        cart=priced,
        available=available,
        line_errors=errors or {},
    )


@bp.get("/cart")
def cart():
    return _cart_page(current_cart())


@bp.get("/cart/badge")
def cart_badge():
    return render_template("storefront/_cart_badge.html")


@bp.post("/cart/lines/<int:line_id>")
def update_line(line_id: int):
    cart = current_cart()
    if cart is None:
        raise NotFound()
    form = LineQuantityForm()
    if not form.validate_on_submit():
        return _cart_page(
            cart,
            status=422,
            errors={
                line_id: "; ".join(
                    str(e) for e in (form.quantity.errors or form.errors.get("csrf_token", []))
                )
            },
        )
    try:
        sales.set_line_quantity(cart, line_id, form.quantity.data)
        db.session.commit()
    except OutOfStock as error:
        db.session.rollback()
        return _cart_page(current_cart(), status=422, errors={line_id: str(error)})
    except ShopError as error:
        db.session.rollback()
        if isinstance(error, NotFound):
            raise
        return _cart_page(current_cart(), status=422, errors={line_id: str(error)})
    if not is_htmx():
        return redirect(url_for("storefront.cart"), 303)
    response = _cart_page(cart)
    response.headers["HX-Trigger"] = "cart-changed"
    return response


@bp.post("/cart/lines/<int:line_id>/remove")
def remove_line(line_id: int):
    cart = current_cart()
    if cart is None:
        raise NotFound()
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    sales.remove_line(cart, line_id)
    db.session.commit()
    if not is_htmx():
        return redirect(url_for("storefront.cart"), 303)
    response = _cart_page(cart)
    response.headers["HX-Trigger"] = "cart-changed"
    return response


@bp.get("/cart/restore/<token>")
def restore_cart(token: str):
    """The link of an abandoned-cart reminder: the cart comes back on whatever device opens it."""
    cart = sales.cart_from_restore_token(token[:512])
    if cart is None:
        flash(_("This cart link has expired or is not valid. Your cart is below."), "error")
        return redirect(url_for("storefront.cart"), 303)
    if cart.state != OrderState.QUOTATION:
        flash(_("This order has been placed already; here is where it stands."), "info")
        return redirect(url_for("storefront.track", token=cart.tracking_token), 303)
    if cart.customer_id is not None:
        # An account's cart: the account shows it, after logging in on this device.
        if current_user.is_authenticated and current_user.id == cart.customer_id:
            return redirect(url_for("storefront.cart"), 303)
        flash(_("Log in to see the cart you left."), "info")
        return redirect(url_for("storefront.login", next=url_for("storefront.cart")), 303)
    if current_user.is_authenticated:
        own = current_cart(create=True)
        if own.id != cart.id:
            sales.merge_carts(cart, own)
    else:
        session[CART_SESSION_KEY] = cart.id
    db.session.commit()
    flash(_("Your cart is back. It is kept for you while the items are in stock."), "success")
    return redirect(url_for("storefront.cart"), 303)

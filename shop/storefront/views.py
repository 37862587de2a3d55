"""The customer's storefront: catalog, cart (a quotation), checkout, order tracking, account."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

from flask import (
    Response,
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.orm import selectinload
from wtforms.fields.choices import SelectChoice

from shop.accounts import services as accounts
from shop.catalog import listing, pickup
from shop.catalog import services as catalog
from shop.catalog.models import Product, Variant, Warehouse
from shop.catalog.pictures import pictures_of
from shop.errors import NotFound, OutOfStock, ShopError
from shop.extensions import db
from shop.i18n import country_name, format_day, locale_code, shop_today, translated
from shop.orders import history
from shop.orders import services as order_statuses
from shop.orders.carriers import carrier_name, tracking_url
from shop.orders.labels import safe_colour
from shop.payments import services as payments
from shop.payments.models import TransactionState
from shop.sales import services as sales
from shop.sales.models import (
    DeliveryMethod,
    Order,
    OrderLine,
    OrderState,
    PaymentMethod,
    delivery_method_label,
    payment_method_label,
    state_label,
)
from shop.settings import services as settings
from shop.storefront import cards
from shop.storefront.blueprint import bp
from shop.storefront.forms import (
    ActionForm,
    AddToCartForm,
    CheckoutForm,
    LineQuantityForm,
    LoginForm,
    RegisterForm,
)
from shop.storefront.listing_page import listing_body
from shop.storefront.product_page import product_body
from shop.web import (
    end_session,
    is_htmx,
    login_rate_limit,
    parse_id,
    query_text,
    render,
    safe_next,
    start_session,
)

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


# --- catalog -----------------------------------------------------------------------------


def _listing(category=None):
    """Home, search and category pages: one page of product cards, as ``?q=``, ``?sort=``,
    ``?stock=1`` and ``?page=`` ask (anything unknown falls back to the default)."""
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
        "categories": catalog.categories(),
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
    return _listing(catalog.category_by_slug(slug))


def _variant_from_args(product: Product) -> Variant:
    raw = request.args.get("variant", "")
    chosen = next((v for v in product.variants if str(v.id) == raw), None)
    return chosen or product.variants[0]


def _product_page(
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
    return _product_page(product, variant, form)


@bp.get("/p/<slug>/picture.svg")
def picture(slug: str):
    product = catalog.product_by_slug(slug)
    response = make_response(render_template("storefront/picture.svg", product=product))
    response.mimetype = "image/svg+xml"
    response.cache_control.public = True
    response.cache_control.max_age = 3600
    return response


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
            response = _product_page(
                product, variant, AddToCartForm(product=product.id, variant=variant.id), added=True
            )
            response.headers["HX-Trigger"] = "cart-changed"
            return response
    return _product_page(product, variant or product.variants[0], form, status=422)


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


# --- checkout ----------------------------------------------------------------------------


def _pickup_choice(option: pickup.PickupOption) -> SelectChoice:
    """A warehouse in the pickup list; one that cannot hand out the cart is shown disabled,
    with the reason beside its name."""
    name = translated(option.warehouse.name)
    reason = option.reason()
    return SelectChoice(
        str(option.warehouse.id),
        f"{name} – {reason}" if reason else name,
        render_kw={} if option.possible else {"disabled": True},
    )


def _checkout_choices(form: CheckoutForm, cart: Order, today: date) -> dict[str, object]:
    shop = settings.current()
    form.country.choices = [SelectChoice(code, country_name(code)) for code in shop.shipping_countries]
    options = pickup.pickup_options(cart)
    form.pickup_warehouse.choices = [SelectChoice("", _("Choose a warehouse"))] + [
        _pickup_choice(option) for option in options
    ]
    chosen = next(
        (o for o in options if o.possible and str(o.warehouse.id) == (form.pickup_warehouse.data or "")), None
    )
    dates = pickup.allowed_pickup_dates(chosen.warehouse, today, transfer=chosen.transfer) if chosen else []
    form.pickup_date.choices = [SelectChoice("", _("Choose a date"))] + [
        SelectChoice(d.isoformat(), format_day(d, weekday=True)) for d in dates
    ]
    offered = {method.value for method in payments.offered_payment_methods()}
    form.payment_method.choices = [c for c in form.payment_method.choices if c.value in offered]
    if not form.is_submitted() and form.payment_method.data not in offered:
        form.payment_method.data = form.payment_method.choices[0].value
    return {
        "pickup_options": options,
        "chosen_pickup": chosen,
        "chosen_warehouse": chosen.warehouse if chosen else None,
    }


def _checkout_page(cart: Order, form: CheckoutForm, *, status: int = 200, block: str = "checkout_form"):
    context = _checkout_choices(form, cart, shop_today())
    quotes = {method.value: sales.delivery_quote(cart, method) for method in DeliveryMethod}
    priced = sales.priced_cart(cart)
    totals = {method: priced.subtotal + price for method, price in quotes.items()}
    return render(
        "storefront/checkout.html",
        block,
        status=status,
        cart=priced,
        form=form,
        quotes=quotes,
        totals=totals,
        bank_account=settings.current().bank_account,
        **context,
    )


@bp.get("/checkout")
def checkout():
    cart = current_cart()
    if cart is None or not cart.lines:
        flash(_("Your cart is empty."), "info")
        return redirect(url_for("storefront.cart"), 303)
    return _checkout_page(cart, _fresh_checkout_form(cart))


def _fresh_checkout_form(cart: Order, **over: str) -> CheckoutForm:
    """The checkout form as the page first shows it: the cart at today's prices, and what is
    known of the shopper. ``over`` presets fields (the ``?pickup_warehouse=`` of the URL).
    Nothing is stored: confirming stores the prices, and stops if they differ from these."""
    return CheckoutForm(
        formdata=None,
        email=cart.email or (current_user.email if current_user.is_authenticated else ""),
        name=cart.name or (current_user.name if current_user.is_authenticated else ""),
        country=cart.country or (settings.current().shipping_countries or ["TR"])[0],
        expected_subtotal=str(sales.priced_cart(cart).subtotal),
        **over,
    )


@bp.get("/checkout/pickup-dates")
def pickup_dates():
    """The chosen warehouse's dates, swapped in by htmx. Opened as a page (no htmx: no script,
    a bookmark), it is the checkout page with that warehouse chosen."""
    cart = current_cart()
    if not is_htmx():
        if cart is None or not cart.lines:
            return redirect(url_for("storefront.checkout"), 303)
        warehouse_id = parse_id(request.args.get("pickup_warehouse"))
        form = _fresh_checkout_form(
            cart, delivery_method=DeliveryMethod.PICKUP.value, pickup_warehouse=str(warehouse_id or "")
        )
        return _checkout_page(cart, form)
    if cart is None:
        raise NotFound()
    form = CheckoutForm(formdata=request.args, meta={"csrf": False})
    return _checkout_page(cart, form, block="pickup_dates")


@bp.post("/checkout/email")
def remember_checkout_email():
    """The checkout's e-mail field, saved on the cart as soon as it is typed (htmx), so a cart
    left at checkout can get its one reminder. Anything but a valid address changes nothing."""
    cart = current_cart()
    form = CheckoutForm()
    form.email.data = (form.email.data or "").strip()
    if cart is not None and form.email.validate(form):  # CSRF is checked for every POST already
        cart.email = form.email.data.strip().lower()
        db.session.commit()
    return "", 204


@bp.post("/checkout")
def confirm_checkout():
    cart = current_cart()
    if cart is None or not cart.lines:
        flash(_("Your cart is empty."), "info")
        return redirect(url_for("storefront.cart"), 303)
    form = CheckoutForm()
    _checkout_choices(form, cart, shop_today())
    if not form.validate_on_submit():
        return _checkout_page(cart, form, status=422)
    try:
        expected = Decimal(form.expected_subtotal.data) if form.expected_subtotal.data else None
    except InvalidOperation:
        expected = None
    if expected is not None and not expected.is_finite():
        expected = None
    details = sales.CheckoutDetails(
        email=form.email.data.strip().lower(),
        phone=form.phone.data,
        name=form.name.data.strip(),
        delivery_method=DeliveryMethod(form.delivery_method.data),
        payment_method=PaymentMethod(form.payment_method.data),
        address_line=(form.address_line.data or "").strip(),
        city=(form.city.data or "").strip(),
        postal_code=(form.postal_code.data or "").strip(),
        country=form.country.data,
        pickup_warehouse_id=parse_id(form.pickup_warehouse.data),
        pickup_date=form.chosen_pickup_date(),
        company_name=(form.company_name.data or "").strip(),
        tax_id=(form.tax_id.data or "").strip(),
        locale=locale_code(),
    )
    try:
        order = sales.confirm_quotation(cart, details, expected_subtotal=expected)
        redirect_to = (
            payments.start_card_payment(order)
            if order.payment_method == PaymentMethod.CARD
            else url_for("storefront.track", token=order.tracking_token)
        )
        db.session.commit()
    except ShopError as error:
        db.session.rollback()
        cart = current_cart()
        if cart is None:  # confirmed meanwhile, in another tab
            return redirect(url_for("storefront.cart"), 303)
        sales.refresh_quotation(cart)  # show the prices that hold now
        db.session.commit()
        form.expected_subtotal.data = str(cart.subtotal)
        form.show_error(error)
        return _checkout_page(cart, form, status=409 if isinstance(error, OutOfStock) else 422)
    session.pop(CART_SESSION_KEY, None)
    session.setdefault("my_orders", [])
    session["my_orders"] = [*session["my_orders"][-19:], order.tracking_token]
    if is_htmx():
        response = make_response("", 204)
        response.headers["HX-Redirect"] = redirect_to
        return response
    return redirect(redirect_to, 303)


# --- after checkout: confirmation, payment, tracking -------------------------------------


@bp.get("/orders/<token>")
def track(token: str):
    """The customer's tracking page: what they may see of the timeline, and the parcel's link."""
    order = sales.order_by_token(token)
    timeline = history.events_for(order, public_only=True)
    statuses = {status.code: status for status in order_statuses.statuses(include_archived=True)}
    # The status the customer sees: the last one of their timeline (the current one, unless it
    # is kept from customers), by the same rule as the timeline itself.
    shown = next((statuses.get(e.after) for e in reversed(timeline) if e.kind == "status"), None)
    return render_template(
        "storefront/order.html",
        order=order,
        timeline=timeline,
        status_names={code: order_statuses.status_name(status) for code, status in statuses.items()},
        shown_status=shown,
        shown_colour=safe_colour(shown.colour if shown else None),
        carrier=carrier_name(order.carrier),
        carrier_link=tracking_url(order.carrier, order.tracking_number),
        transactions=payments.transactions_for(order),
        can_pay_by_card=payments.can_pay_by_card(order),
        bank_account=settings.current().bank_account,
        warehouse=db.session.get(Warehouse, order.pickup_warehouse_id) if order.pickup_warehouse_id else None,
    )


@bp.post("/orders/<token>/pay")
def pay(token: str):
    order = sales.order_by_token(token)
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        target = payments.start_card_payment(order)
        db.session.commit()
    except ShopError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("storefront.track", token=token), 303)
    return redirect(target, 303)


@bp.get("/checkout/return/<token>")
def payment_return(token: str):
    """Where the provider sends the shopper back; the notification decides, this only tells."""
    order = sales.order_by_token(token)
    last = (payments.transactions_for(order) or [None])[-1]
    if last is not None and last.state == TransactionState.FAILED:
        flash(_("The payment was declined. You can try again."), "error")
    elif order.is_paid:
        flash(_("Thank you! Your payment was received."), "success")
    else:
        flash(_("We are waiting for the payment provider to confirm your payment."), "info")
    return redirect(url_for("storefront.track", token=token), 303)


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


# --- account -----------------------------------------------------------------------------


def _after_login(user) -> None:  # noqa: ANN001
    """A fresh session at login (no fixation), keeping the language and the guest's cart."""
    guest_cart_id = session.get(CART_SESSION_KEY)
    start_session(user)
    guest = db.session.get(Order, guest_cart_id) if isinstance(guest_cart_id, int) else None
    if guest is not None and guest.state == OrderState.QUOTATION and guest.customer_id is None:
        own = current_cart()
        if own is None:
            guest.customer_id = user.id
        else:
            sales.merge_carts(guest, own)
    db.session.commit()


@bp.route("/account/register", methods=["GET", "POST"])
@login_rate_limit  # each attempt hashes a password: counted with the other password forms
def register():
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            user = accounts.register_customer(
                form.email.data, form.password.data, name=form.name.data, locale=locale_code()
            )
        except ShopError as error:
            db.session.rollback()
            form.show_error(error)
        else:
            _after_login(user)
            flash(_("Welcome! Your account is ready."), "success")
            return redirect(safe_next(url_for("storefront.account")), 303)
    return render_template("storefront/register.html", form=form), 422 if form.errors else 200


@bp.route("/account/login", methods=["GET", "POST"])
@login_rate_limit
def login():
    """Customers only: a back-office account is refused here like a wrong password (and the
    failure counts towards its lock), so this door never opens a back-office session."""
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = accounts.log_in(
                form.email.data,
                form.password.data,
                door=accounts.Door.STOREFRONT,
                address=request.remote_addr or "",
            )
        except accounts.BadCredentials as error:
            db.session.commit()  # the failed attempt counts towards the account's lock
            form.show_error(error)
        else:
            _after_login(user)
            return redirect(safe_next(url_for("storefront.account")), 303)
    return render_template("storefront/login.html", form=form), 422 if form.errors else 200


@bp.post("/account/logout")
def logout():
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    end_session()
    db.session.commit()
    return redirect(url_for("storefront.home"), 303)


@bp.get("/account")
@login_required
def account():
    orders = list(
        db.session.scalars(
            db.select(Order)
            .where(Order.customer_id == current_user.id, Order.state != OrderState.QUOTATION)
            .order_by(Order.id.desc())
            .limit(100)
        )
    )
    return render_template("storefront/account.html", orders=orders)


# Password and session pages (change, forgotten, log out everywhere) and the product pictures'
# addresses add their routes to bp.
from shop.storefront import account_views, invoices, media, returns  # noqa: E402,F401

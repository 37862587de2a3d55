"""Products and their variants (issue 11, B18), admins and staff: the list with search, filters
and counts; the product page (names and descriptions per language, category, published or
draft, returns, weight, pictures), its variants (SKU, options, price, VAT rate) and its history.
shop.catalog.editing checks and records every change; these views draw and read the forms."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func
from sqlalchemy.orm import joinedload, selectinload

from shop.accounts.models import User
from shop.backoffice import bp
from shop.backoffice.access import staff_required
from shop.backoffice.catalog_pages import show_errors
from shop.backoffice.forms import ActionForm
from shop.backoffice.product_forms import ProductForm, VariantForm, rate_value
from shop.catalog import editing
from shop.catalog.categories import categories as all_categories
from shop.catalog.editing import CatalogRefusal, InvalidCatalogInput
from shop.catalog.listing import search_conditions
from shop.catalog.models import Product, ProductChange, Variant
from shop.errors import NotFound
from shop.extensions import db
from shop.i18n import LANGUAGE_NAMES, enabled_languages, format_money, format_number, translated
from shop.returns import settings as return_settings
from shop.settings import services as settings
from shop.web import parse_id, query_text

PER_PAGE = 50
MAX_PAGE = 2000
STATES = ("published", "draft", "archived")


# --- the list ------------------------------------------------------------------------------


def _state_condition(state: str):  # noqa: ANN202
    if state == "published":
        return (Product.archived.is_(False)) & (Product.published.is_(True))
    if state == "draft":
        return (Product.archived.is_(False)) & (Product.published.is_(False))
    if state == "archived":
        return Product.archived.is_(True)
    return Product.archived.is_(False)  # everything in use


def _page_number() -> int:
    raw = request.args.get("page", "")
    return min(int(raw), MAX_PAGE) if raw.isascii() and raw.isdigit() and 0 < len(raw) < 6 and int(raw) else 1


@bp.get("/products")
@staff_required
def products():
    query = query_text("q")
    category_id = parse_id(request.args.get("category"))
    state = request.args.get("state", "")
    state = state if state in STATES else ""
    page = _page_number()
    conditions, rank = search_conditions(query)
    if category_id is not None:
        conditions.append(Product.category_id == category_id)
    # Counts per state for the same search and category: one statement.
    counted = db.session.execute(
        db.select(Product.archived, Product.published, func.count()).where(*conditions)
        .group_by(Product.archived, Product.published)
    ).all()
    counts = {name: 0 for name in ("", *STATES)}
    for archived, published, number in counted:
        key = "archived" if archived else ("published" if published else "draft")
        counts[key] += number
        if not archived:
            counts[""] += number
    statement = (
        db.select(Product)
        .where(*conditions, _state_condition(state))
        .options(joinedload(Product.category), selectinload(Product.all_variants))
    )
    if rank is not None:
        statement = statement.order_by(rank)
    rows = list(
        db.session.scalars(
            statement.order_by(Product.created_at.desc(), Product.id.desc())
            .offset((page - 1) * PER_PAGE)
            .limit(PER_PAGE + 1)
        ).unique()
    )
    filters = {"q": query, "category": category_id or "", "state": state}
    return render_template(
        "backoffice/products/list.html",
        products=rows[:PER_PAGE],
        counts=counts,
        filters=filters,
        categories=all_categories(),
        page=page,
        previous_url=_list_url(filters, page - 1) if page > 1 else None,
        next_url=_list_url(filters, page + 1) if len(rows) > PER_PAGE else None,
        state_url=lambda value: _list_url({**filters, "state": value}, 1),
    )


def _list_url(filters: dict[str, Any], page: int) -> str:
    kept = {key: value for key, value in filters.items() if value}
    return url_for("backoffice.products", **kept, **({"page": page} if page > 1 else {}))


# --- the product page ----------------------------------------------------------------------


def _product(product_id: int) -> Product:
    # The variants with their stock rows in two statements: the page shows each one's on-hand.
    product = db.session.get(
        Product,
        parse_id(product_id),
        options=[selectinload(Product.all_variants).selectinload(Variant.stock)],
    )
    if product is None:
        raise NotFound()
    return product


def _variant(product: Product, variant_id: int) -> Variant:
    variant = db.session.get(Variant, parse_id(variant_id))
    if variant is None or variant.product_id != product.id:
        raise NotFound()
    return variant


def _product_form(product: Product | None) -> ProductForm:
    form = ProductForm()
    form.category.choices = [(str(c.id), translated(c.name)) for c in all_categories()]
    if not form.is_submitted():
        if product is None:
            form.returnable.data = True
        else:
            form.fill_texts("name", product.name)
            form.fill_texts("description", product.description)
            form.category.data = str(product.category_id)
            form.published.data = product.published
            form.returnable.data = product.returnable
            form.return_days.data = "" if product.return_days is None else str(product.return_days)
            form.weight_grams.data = "" if product.weight_grams is None else str(product.weight_grams)
    return form


def _product_page(form: ProductForm, product: Product | None, *, status: int = 200, problem: str = ""):
    languages, default = enabled_languages()
    return (
        render_template(
            "backoffice/products/edit.html",
            form=form,
            product=product,
            problem=problem,
            languages=[default, *(code for code in languages if code != default)],
            default_language=default,
            language_names=LANGUAGE_NAMES,
            shop_return_window=return_settings.current(),
            history=_history(product) if product is not None else [],
            pictures_url=_pictures_url(product),
        ),
        status,
    )


def _pictures_url(product: Product | None) -> str:
    """The pictures page of the product, once that page exists (it lands on its own)."""
    if product is None or "backoffice.product_pictures" not in current_app.view_functions:
        return ""
    return url_for("backoffice.product_pictures", product_id=product.id)


@bp.route("/products/new", methods=["GET", "POST"])
@staff_required
def new_product():
    form = _product_form(None)
    if not form.validate_on_submit():
        return _product_page(form, None, status=422 if form.is_submitted() else 200)
    try:
        product = editing.create_product(form.details(), by_user_id=current_user.id)
        db.session.commit()
    except InvalidCatalogInput as error:
        db.session.rollback()
        show_errors(form, error.errors)
        return _product_page(form, None, status=422, problem=str(error))
    flash(_("Product %(name)s added. Add its variants now.", name=translated(product.name)), "success")
    return redirect(url_for("backoffice.edit_product", product_id=product.id), 303)


@bp.route("/products/<int:product_id>", methods=["GET", "POST"])
@staff_required
def edit_product(product_id: int):
    product = _product(product_id)
    form = _product_form(product)
    if not form.validate_on_submit():
        return _product_page(form, product, status=422 if form.is_submitted() else 200)
    try:
        changes = editing.update_product(product, form.details(), by_user_id=current_user.id)
        db.session.commit()
    except InvalidCatalogInput as error:
        db.session.rollback()
        show_errors(form, error.errors)
        return _product_page(form, product, status=422, problem=str(error))
    flash(_("Product saved.") if changes else _("Nothing changed."), "success")
    return redirect(url_for("backoffice.edit_product", product_id=product.id), 303)


def _action(product: Product, change, done: str) -> object:  # noqa: ANN001
    """A button on the product page (archive, restore, remove a variant): a flash, back to the page."""
    if not ActionForm().validate_on_submit():
        flash(_("The form expired. Please send it again."), "error")
    else:
        try:
            message = change()
            db.session.commit()
            flash(message, "success")
        except CatalogRefusal as error:
            db.session.rollback()
            flash(str(error), "error")
    return redirect(done, 303)


@bp.post("/products/<int:product_id>/remove")
@staff_required
def remove_product(product_id: int):
    product = _product(product_id)
    name = translated(product.name)

    def remove() -> str:
        if editing.remove_product(product, by_user_id=current_user.id) == editing.ARCHIVED:
            return _("%(name)s archived: it was ordered or has stock records.", name=name)
        return _("%(name)s deleted.", name=name)

    outcome = _action(product, remove, url_for("backoffice.products"))
    if db.session.get(Product, product_id) is not None:
        return redirect(url_for("backoffice.edit_product", product_id=product_id), 303)
    return outcome


@bp.post("/products/<int:product_id>/restore")
@staff_required
def restore_product(product_id: int):
    product = _product(product_id)

    def restore() -> str:
        editing.restore_product(product, by_user_id=current_user.id)
        return _("%(name)s restored as a draft.", name=translated(product.name))

    return _action(product, restore, url_for("backoffice.edit_product", product_id=product.id))


# --- variants ------------------------------------------------------------------------------


def _variant_form(variant: Variant | None) -> VariantForm:
    form = VariantForm()
    rates = settings.current().offered_vat_rates()
    if variant is not None and variant.vat_rate not in rates:  # a rate no longer offered stays choosable
        rates = sorted({*rates, Decimal(variant.vat_rate)})
    form.offer_rates(rates)
    if not form.is_submitted():
        if variant is None:
            form.vat_rate.data = rate_value(max(rates)) if rates else ""
        else:
            form.sku.data = variant.sku
            form.size.data = (variant.options or {}).get("size", "")
            form.colour.data = (variant.options or {}).get("colour", "")
            form.price.data = Decimal(variant.price)
            form.vat_rate.data = rate_value(variant.vat_rate)
            form.position.data = str(variant.position)
    return form


def _variant_page(
    form: VariantForm, product: Product, variant: Variant | None, *, status: int = 200, problem: str = ""
):
    return (
        render_template(
            "backoffice/products/variant.html",
            form=form,
            product=product,
            variant=variant,
            problem=problem,
            currency=settings.current().currency,
        ),
        status,
    )


def _save_variant(product: Product, variant: Variant | None):  # noqa: ANN202
    form = _variant_form(variant)
    if not form.validate_on_submit():
        return _variant_page(form, product, variant, status=422 if form.is_submitted() else 200)
    try:
        if variant is None:
            saved = editing.add_variant(product, form.details(), by_user_id=current_user.id)
            message = _("Variant %(sku)s added. It has no stock until goods are received.", sku=saved.sku)
        else:
            changes = editing.update_variant(variant, form.details(), by_user_id=current_user.id)
            message = _("Variant %(sku)s saved.", sku=variant.sku) if changes else _("Nothing changed.")
        db.session.commit()
    except InvalidCatalogInput as error:
        db.session.rollback()
        show_errors(form, error.errors)
        return _variant_page(form, product, variant, status=422, problem=str(error))
    except CatalogRefusal as error:
        db.session.rollback()
        return _variant_page(form, product, variant, status=409, problem=str(error))
    flash(message, "success")
    return redirect(url_for("backoffice.edit_product", product_id=product.id) + "#variants", 303)


@bp.route("/products/<int:product_id>/variants/new", methods=["GET", "POST"])
@staff_required
def new_variant(product_id: int):
    return _save_variant(_product(product_id), None)


@bp.route("/products/<int:product_id>/variants/<int:variant_id>", methods=["GET", "POST"])
@staff_required
def edit_variant(product_id: int, variant_id: int):
    product = _product(product_id)
    return _save_variant(product, _variant(product, variant_id))


@bp.post("/products/<int:product_id>/variants/<int:variant_id>/remove")
@staff_required
def remove_variant(product_id: int, variant_id: int):
    product = _product(product_id)
    variant = _variant(product, variant_id)

    def remove() -> str:
        sku = variant.sku
        if editing.remove_variant(variant, by_user_id=current_user.id) == editing.VARIANT_ARCHIVED:
            return _("%(sku)s archived: it was ordered or has stock records.", sku=sku)
        return _("%(sku)s deleted.", sku=sku)

    return _action(product, remove, url_for("backoffice.edit_product", product_id=product.id) + "#variants")


@bp.post("/products/<int:product_id>/variants/<int:variant_id>/restore")
@staff_required
def restore_variant(product_id: int, variant_id: int):
    product = _product(product_id)
    variant = _variant(product, variant_id)

    def restore() -> str:
        editing.restore_variant(variant, by_user_id=current_user.id)
        return _("%(sku)s is on sale again.", sku=variant.sku)

    return _action(product, restore, url_for("backoffice.edit_product", product_id=product.id) + "#variants")


# --- the history in words ------------------------------------------------------------------


def _history(product: Product) -> list[dict[str, Any]]:
    """The product's changes for backoffice/_history.html, newest first: two statements."""
    changes = editing.history(product)
    user_ids = {change.user_id for change in changes if change.user_id}
    people = {user.id: user for user in db.session.scalars(db.select(User).where(User.id.in_(user_ids)))}
    currency = settings.current().currency
    return [
        {
            "at": change.at,
            "who": (people[change.user_id].name or people[change.user_id].email)
            if change.user_id in people
            else _("System"),
            "what": _what(change),
            "subject": change.sku,
            "details": _details(change, currency),
        }
        for change in changes
    ]


def _what(change: ProductChange) -> str:
    return {
        editing.CREATED: _("Added"),
        editing.ARCHIVED: _("Archived"),
        editing.RESTORED: _("Restored"),
        editing.PRICE: _("Price"),
        editing.VAT_RATE: _("VAT rate"),
        editing.SKU_CHANGED: _("SKU"),
        editing.OPTIONS: _("Options"),
        editing.VARIANT_ADDED: _("Variant added"),
        editing.VARIANT_ARCHIVED: _("Variant archived"),
        editing.VARIANT_RESTORED: _("Variant restored"),
        editing.VARIANT_DELETED: _("Variant deleted"),
        "name": _("Name"),
        "description": _("Description"),
        "category": _("Category"),
        "published": _("Published"),
        "returnable": _("Returnable"),
        "return_days": _("Return window (days)"),
        "weight_grams": _("Weight (grams)"),
    }.get(change.what, change.what)


def _details(change: ProductChange, currency: str) -> list[tuple[str, str, str]]:
    def shown(value: Any) -> str:
        if value is None or value == "" or value == {}:
            return "—"
        if isinstance(value, bool):
            return _("yes") if value else _("no")
        if change.what == editing.PRICE:
            return format_money(Decimal(value), currency)
        if change.what == editing.VAT_RATE:
            return f"{format_number(Decimal(value))} %"
        if isinstance(value, int):
            return format_number(value)
        if isinstance(value, dict):
            return ", ".join(f"{key}: {item}" for key, item in value.items())
        return str(value)

    if change.what in ("name", "description"):
        before, after = change.before or {}, change.after or {}
        return [
            (LANGUAGE_NAMES.get(code, code), shown(before.get(code)), shown(after.get(code)))
            for code in sorted(set(before) | set(after))
            if before.get(code) != after.get(code)
        ]
    if change.before is None and change.after is None:
        return []
    return [("", shown(change.before), shown(change.after))]

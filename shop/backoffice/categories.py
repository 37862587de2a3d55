"""Categories (issue 11), admins and staff: the list in the storefront's order with move up and
down, add, rename per language, change the slug, and delete one without products.
shop.catalog.categories checks and records every change."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from shop.backoffice import bp
from shop.backoffice.access import staff_required
from shop.backoffice.catalog_forms import CategoryForm
from shop.backoffice.catalog_pages import history_rows, save_form
from shop.backoffice.forms import ActionForm
from shop.catalog import categories as service
from shop.catalog.editing import CatalogRefusal
from shop.catalog.models import Category
from shop.errors import NotFound
from shop.extensions import db
from shop.i18n import translated
from shop.web import parse_id

LIST = "backoffice.categories"


def _category(category_id: int) -> Category:
    category = db.session.get(Category, parse_id(category_id))
    if category is None:
        raise NotFound()
    return category


def _form_page(form: CategoryForm, category: Category | None, *, status: int = 200, problem: str = ""):
    return (
        render_template("backoffice/categories/edit.html", form=form, category=category, problem=problem),
        status,
    )


@bp.get("/categories")
@staff_required
def categories():
    return render_template(
        "backoffice/categories/list.html",
        categories=service.categories(),
        counts=service.product_counts(),
        history=history_rows("category"),
    )


def _save(form: CategoryForm, category: Category | None):
    return save_form(
        form,
        category,
        create=service.create_category,
        update=service.update_category,
        added=lambda saved: _("Category %(name)s added.", name=translated(saved.name)),
        saved=lambda saved: _("Category %(name)s saved.", name=translated(saved.name)),
        page=_form_page,
        list_endpoint=LIST,
    )


@bp.route("/categories/new", methods=["GET", "POST"])
@staff_required
def new_category():
    form = CategoryForm()
    if not form.is_submitted():
        return _form_page(form, None)
    return _save(form, None)


@bp.route("/categories/<int:category_id>", methods=["GET", "POST"])
@staff_required
def edit_category(category_id: int):
    category = _category(category_id)
    form = CategoryForm()
    if not form.is_submitted():
        form.fill_texts("name", category.name)
        form.slug.data = category.slug
        return _form_page(form, category)
    return _save(form, category)


@bp.post("/categories/<int:category_id>/move")
@staff_required
def move_category(category_id: int):
    category = _category(category_id)
    direction = request.form.get("direction")
    if not ActionForm().validate_on_submit():
        flash(_("The form expired. Please send it again."), "error")
    elif direction not in ("up", "down"):
        flash(_("Choose up or down."), "error")
    else:
        service.move_category(category, -1 if direction == "up" else 1, by_user_id=current_user.id)
        db.session.commit()
    return redirect(url_for(LIST, _anchor=f"category-{category.id}"), 303)


@bp.post("/categories/<int:category_id>/delete")
@staff_required
def delete_category(category_id: int):
    category = _category(category_id)
    if not ActionForm().validate_on_submit():
        flash(_("The form expired. Please send it again."), "error")
        return redirect(url_for(LIST), 303)
    name = translated(category.name)
    try:
        service.delete_category(category, by_user_id=current_user.id)
        db.session.commit()
    except CatalogRefusal as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for(LIST), 303)
    flash(_("Category %(name)s deleted.", name=name), "success")
    return redirect(url_for(LIST), 303)

"""Categories in the back office: add, rename per language, change the slug, order, and delete
one without products. Each change is checked, stored and recorded (shop.catalog.history);
the caller commits."""

from __future__ import annotations

import re
from typing import Any

from flask_babel import gettext, ngettext
from sqlalchemy import func
from sqlalchemy.exc import IntegrityError

from shop.catalog import history
from shop.catalog.editing import CatalogRefusal, InvalidCatalogInput, per_language, text
from shop.catalog.models import Category, Product
from shop.extensions import db
from shop.i18n import enabled_languages, format_number, translated
from shop.search import fold

NAME_MAX = 60
SLUG_MAX = 80
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_NOT_SLUG = re.compile(r"[^a-z0-9]+")


def categories() -> list[Category]:
    return list(db.session.scalars(db.select(Category).order_by(Category.position, Category.id)))


def product_counts() -> dict[int, int]:
    """Products (published or not) per category, in one statement."""
    rows = db.session.execute(db.select(Product.category_id, func.count()).group_by(Product.category_id))
    return dict(rows.tuples().all())


def slug_from(name: str) -> str:
    """A URL word from a name: "Gömlek & Bluz" is "gomlek-bluz", "Żółte" is "zolte"."""
    return _NOT_SLUG.sub("-", fold(name)).strip("-")[:SLUG_MAX].rstrip("-")


def _slug_taken(slug: str, category: Category | None) -> bool:
    statement = db.select(Category.id).where(Category.slug == slug)
    if category is not None:
        statement = statement.where(Category.id != category.id)
    return db.session.scalar(statement) is not None


def _free_slug(base: str, category: Category | None) -> str:
    """``base``, or base-2, base-3... for a slug made from a name (a typed slug is never changed)."""
    base = base or "category"
    slug, number = base, 1
    while _slug_taken(slug, category):
        number += 1
        suffix = f"-{number}"
        slug = base[: SLUG_MAX - len(suffix)].rstrip("-") + suffix
    return slug


def _taken_message(slug: str) -> str:
    return gettext("Another category already uses the address %(slug)s; choose another.", slug=slug)


def _validate(given: dict[str, Any], category: Category | None) -> dict[str, Any]:
    errors: dict[str, str] = {}
    stored = category.name if category else None
    names = per_language("name", given.get("name"), stored, errors, max_length=NAME_MAX, required=True)
    slug = text(given.get("slug")).lower()
    if slug:
        if len(slug) > SLUG_MAX or not SLUG.match(slug):
            errors["slug"] = gettext(
                "Use at most %(max)s lowercase letters a to z, digits and single hyphens, "
                "for example summer-shirts.",
                max=SLUG_MAX,
            )
        elif _slug_taken(slug, category):
            errors["slug"] = _taken_message(slug)
    if errors:
        raise InvalidCatalogInput(errors)
    if not slug:
        _languages, default = enabled_languages()
        slug = _free_slug(slug_from(names.get(default, "")), category)
    return {"name": names, "slug": slug}


def _flush_unique(slug: str) -> None:
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:  # saved by someone else at the same moment
        raise InvalidCatalogInput({"slug": _taken_message(slug)}) from None


def create_category(given: dict[str, Any], *, by_user_id: int | None) -> Category:
    """A new category, last in the order. ``given``: name {language: text}, slug (optional:
    made from the default language's name when empty)."""
    values = _validate(given, None)
    last = db.session.scalar(db.select(func.max(Category.position)))
    category = Category(**values, position=0 if last is None else last + 1)
    db.session.add(category)
    _flush_unique(values["slug"])
    history.record(
        "category",
        category.id,
        "created",
        subject=category.slug,
        changes=history.differences({}, values),
        by_user_id=by_user_id,
    )
    db.session.flush()
    return category


def update_category(
    category: Category, given: dict[str, Any], *, by_user_id: int | None
) -> history.CatalogChange | None:
    """Rename and re-address a category; None when nothing changed. An empty slug keeps the
    current one (the storefront's links to it keep working)."""
    if not text(given.get("slug")):
        given = {**given, "slug": category.slug}
    before = {"name": dict(category.name or {}), "slug": category.slug}
    values = _validate(given, category)
    changes = history.differences(before, values)
    if not changes:
        return None
    category.name, category.slug = values["name"], values["slug"]
    _flush_unique(values["slug"])
    change = history.record(
        "category", category.id, "changed", subject=before["slug"], changes=changes, by_user_id=by_user_id
    )
    db.session.flush()
    return change


def move_category(category: Category, step: int, *, by_user_id: int | None) -> bool:
    """One place up (step -1) or down (+1) in the storefront's order; False at either end.
    Positions are renumbered 0, 1, 2... so equal or gapped positions never confuse the order."""
    ordered = list(
        db.session.scalars(
            db.select(Category).order_by(Category.position, Category.id).with_for_update()
        )
    )
    index = ordered.index(category)
    target = index + (1 if step > 0 else -1)
    if not 0 <= target < len(ordered):
        return False
    before = category.position
    ordered[index], ordered[target] = ordered[target], ordered[index]
    for position, each in enumerate(ordered):
        if each.position != position:
            each.position = position
    history.record(
        "category",
        category.id,
        "moved",
        subject=category.slug,
        changes={"position": [before, category.position]},
        by_user_id=by_user_id,
    )
    db.session.flush()
    return True


def delete_category(category: Category, *, by_user_id: int | None) -> None:
    """Refused while the category has products (drafts included): they would have nowhere to be."""
    count = db.session.scalar(db.select(func.count(Product.id)).where(Product.category_id == category.id))
    if count:
        raise CatalogRefusal(
            ngettext(
                "%(name)s has %(count)s product; move it to another category before deleting the category.",
                "%(name)s has %(count)s products; "
                "move them to another category before deleting the category.",
                count,
                name=translated(category.name),
                count=format_number(count),
            )
        )
    category_id, before = category.id, {"name": dict(category.name or {}), "slug": category.slug}
    try:
        with db.session.begin_nested():
            db.session.delete(category)
            db.session.flush()
    except IntegrityError:  # a product was put in it meanwhile
        name = translated(before["name"])
        raise CatalogRefusal(
            gettext("%(name)s has products; move them to another category first.", name=name)
        ) from None
    history.record(
        "category",
        category_id,
        "deleted",
        subject=before["slug"],
        changes=history.differences(before, dict.fromkeys(before)),
        by_user_id=by_user_id,
    )
    db.session.flush()

"""A product's pictures in the back office: upload, order, the variant each shows, delete.

Admins and staff; the page stands on its own at /admin/products/<id>/pictures, linked from the
product's page. Every check of an upload lives in shop.catalog.pictures.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import SelectField
from wtforms.fields.choices import SelectChoice

from shop.backoffice import bp
from shop.backoffice.access import staff_required
from shop.backoffice.forms import ActionForm
from shop.catalog import pictures as catalog_pictures
from shop.catalog.models import Product
from shop.catalog.pictures import Picture, PictureRefused
from shop.errors import NotFound
from shop.extensions import db
from shop.forms import ShopForm
from shop.i18n import translated
from shop.web import parse_id

TEMPLATE = "backoffice/pictures/list.html"
UPLOAD_ENDPOINT = "backoffice.upload_picture"
# The form's other fields and the multipart framing, on top of the picture itself.
FORM_OVERHEAD_BYTES = 64 * 1024


class PictureUploadForm(ShopForm):
    picture = FileField(_l("Picture"), validators=[FileRequired(_l("Choose a picture to upload."))])
    variant = SelectField(_l("Variant it shows"), choices=[])


class PictureVariantForm(ShopForm):
    variant = SelectField(_l("Variant it shows"), choices=[])


class PictureMoveForm(ShopForm):
    direction = SelectField(choices=[SelectChoice("up", "up"), SelectChoice("down", "down")])


def _variant_choices(product: Product) -> list[SelectChoice]:
    return [SelectChoice("", _("The whole product"))] + [
        SelectChoice(str(v.id), translated(v.name)) for v in product.variants
    ]


@bp.url_value_preprocessor
def _allow_picture_uploads(endpoint: str | None, values: dict | None) -> None:
    """The upload takes files up to PICTURE_MAX_BYTES while every other request keeps
    MAX_CONTENT_LENGTH. Set here because URL preprocessors run before the CSRF check, which
    is the first to read the body."""
    if endpoint == UPLOAD_ENDPOINT:
        request.max_content_length = catalog_pictures.max_upload_bytes() + FORM_OVERHEAD_BYTES


def _product(product_id: int) -> Product:
    product = db.session.get(Product, parse_id(product_id))
    if product is None:
        raise NotFound()
    return product


def _picture(product: Product, picture_id: int) -> Picture:
    picture = db.session.get(Picture, parse_id(picture_id))
    if picture is None or picture.product_id != product.id:
        raise NotFound()
    return picture


def _page(product: Product, upload: PictureUploadForm | None = None, *, error: str = "", status: int = 200):
    upload = upload or PictureUploadForm(formdata=None)
    upload.variant.choices = _variant_choices(product)
    return (
        render_template(
            TEMPLATE,
            product=product,
            pictures=catalog_pictures.pictures_of(product.id),
            upload=upload,
            variant_choices=_variant_choices(product),
            max_megabytes=round(catalog_pictures.max_upload_bytes() / (1024 * 1024), 1),
            error=error,
        ),
        status,
    )


def _back(product: Product):
    return redirect(url_for("backoffice.product_pictures", product_id=product.id), 303)


@bp.get("/products/<int:product_id>/pictures")
@staff_required
def product_pictures(product_id: int):
    return _page(_product(product_id))


@bp.post("/products/<int:product_id>/pictures")
@staff_required
def upload_picture(product_id: int):
    product = _product(product_id)
    form = PictureUploadForm()
    form.variant.choices = _variant_choices(product)
    if not form.validate_on_submit():
        return _page(product, form, status=422)
    try:
        variant_id = parse_id(form.variant.data)
        catalog_pictures.add_picture(product, form.picture.data.stream, variant_id=variant_id)
        db.session.commit()
    except PictureRefused as error:
        db.session.rollback()
        form.show_error(error)
        return _page(product, form, status=422)
    flash(_("Picture added."), "success")
    return _back(product)


@bp.post("/products/<int:product_id>/pictures/<int:picture_id>/move")
@staff_required
def move_picture(product_id: int, picture_id: int):
    product = _product(product_id)
    picture = _picture(product, picture_id)
    form = PictureMoveForm()
    if not form.validate_on_submit():
        return _page(product, error=_("Choose to move the picture up or down."), status=422)
    catalog_pictures.move_picture(picture, -1 if form.direction.data == "up" else 1)
    db.session.commit()
    return _back(product)


@bp.post("/products/<int:product_id>/pictures/<int:picture_id>/variant")
@staff_required
def picture_variant(product_id: int, picture_id: int):
    product = _product(product_id)
    picture = _picture(product, picture_id)
    form = PictureVariantForm()
    form.variant.choices = _variant_choices(product)
    if not form.validate_on_submit():
        return _page(product, error=_("Choose one of this product's variants."), status=422)
    try:
        catalog_pictures.assign_variant(picture, product, parse_id(form.variant.data))
        db.session.commit()
    except PictureRefused as error:
        db.session.rollback()
        return _page(product, error=str(error), status=422)
    flash(_("Picture updated."), "success")
    return _back(product)


@bp.post("/products/<int:product_id>/pictures/<int:picture_id>/delete")
@staff_required
def delete_picture(product_id: int, picture_id: int):
    product = _product(product_id)
    picture = _picture(product, picture_id)
    if not ActionForm().validate_on_submit():
        return _page(product, error=_("The form expired. Reload the page and try again."), status=422)
    catalog_pictures.delete_picture(picture)
    db.session.commit()
    flash(_("Picture deleted."), "success")
    return _back(product)

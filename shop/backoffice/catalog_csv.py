"""Catalog import and export (issue 11, B18), admins and staff: download the catalog as CSV,
upload one back. The upload is read far enough here to refuse a file that is no catalog CSV
at once (empty, binary, not UTF-8, unknown or missing columns); the rows are checked and
imported by the worker (shop.catalog.csv_transfer.jobs) while this page shows its progress."""

from __future__ import annotations

from flask import Response, redirect, render_template, request, stream_with_context, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.file import FileField, FileRequired
from sqlalchemy import select
from wtforms import SelectField
from wtforms.fields.choices import SelectChoice

from shop.backoffice import bp
from shop.backoffice.access import staff_required
from shop.catalog.csv_transfer import columns, export, importer, jobs
from shop.catalog.models import CatalogImport
from shop.errors import NotFound
from shop.extensions import db
from shop.forms import ShopForm
from shop.i18n import shop_today
from shop.web import parse_id

UPLOAD_ENDPOINT = "backoffice.import_catalog"
FORM_OVERHEAD_BYTES = 64 * 1024  # the form's other fields and the multipart framing
RECENT = 10


def _separator_choices(*, detect: bool) -> list[SelectChoice]:
    choices = [
        SelectChoice(",", _("Comma (,)")),
        SelectChoice(";", _("Semicolon (;), as Turkish and Polish spreadsheets save CSV")),
    ]
    return [SelectChoice("", _("Detect from the header")), *choices] if detect else choices


class CatalogImportForm(ShopForm):
    file = FileField(_l("CSV file"), validators=[FileRequired(_l("Choose a CSV file to upload."))])
    separator = SelectField(_l("Separator"), choices=[])

    def __init__(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003
        super().__init__(*args, **kwargs)
        self.separator.choices = _separator_choices(detect=True)


@bp.url_value_preprocessor
def _allow_catalog_uploads(endpoint: str | None, values: dict | None) -> None:
    """The upload takes files up to columns.MAX_BYTES; every other request keeps MAX_CONTENT_LENGTH.
    Set before the CSRF check, the first to read the body."""
    if endpoint == UPLOAD_ENDPOINT:
        request.max_content_length = columns.MAX_BYTES + FORM_OVERHEAD_BYTES


def _page(form: CatalogImportForm | None = None, *, status: int = 200):
    recent = db.session.scalars(select(CatalogImport).order_by(CatalogImport.id.desc()).limit(RECENT))
    return (
        render_template(
            "backoffice/catalog_csv/page.html",
            form=form or CatalogImportForm(formdata=None),
            export_separators=_separator_choices(detect=False),
            imports=list(recent),
            max_megabytes=columns.MAX_BYTES // (1024 * 1024),
        ),
        status,
    )


@bp.get("/catalog-csv")
@staff_required
def catalog_csv():
    return _page()


@bp.get("/catalog-csv/export")
@staff_required
def export_catalog():
    """The whole catalog, streamed: UTF-8 with a BOM, "," or ";" as asked."""
    separator = request.args.get("separator", ",")
    separator = separator if separator in columns.SEPARATORS else ","

    def body():
        yield "\ufeff"
        yield from columns.stream_rows(export.rows(), separator)

    filename = f"catalog-{shop_today().isoformat()}.csv"
    return Response(
        stream_with_context(body()),
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"},
    )


@bp.post("/catalog-csv/import")
@staff_required
def import_catalog():
    form = CatalogImportForm()
    if not form.validate_on_submit():
        return _page(form, status=422)
    content = form.file.data.read()
    try:
        table = columns.read(content, form.separator.data or "")
    except columns.FileRefused as refusal:
        form.file.errors = [*form.file.errors, str(refusal)]
        return _page(form, status=422)
    problems = importer.Problems()
    importer.check_header(table, problems)
    if problems:
        form.file.errors = [*form.file.errors, *(item["message"] for item in problems.items)]
        return _page(form, status=422)
    job = jobs.enqueue(
        content,
        filename=form.file.data.filename or "",
        separator=table.separator,
        user=current_user,
        locale=str(get_locale() or "en"),
    )
    db.session.commit()
    return redirect(url_for("backoffice.catalog_import", import_id=job.id), 303)


def _import(import_id: int) -> CatalogImport:
    job = db.session.get(CatalogImport, parse_id(import_id))
    if job is None:
        raise NotFound()
    return job


@bp.get("/catalog-csv/imports/<int:import_id>")
@staff_required
def catalog_import(import_id: int):
    return render_template("backoffice/catalog_csv/import.html", job=_import(import_id), running=jobs.RUNNING)


@bp.get("/catalog-csv/imports/<int:import_id>/status")
@staff_required
def catalog_import_status(import_id: int):
    """The progress fragment the import page polls (htmx) while the worker is at it."""
    return render_template(
        "backoffice/catalog_csv/_status.html", job=_import(import_id), running=jobs.RUNNING
    )

"""The catalog import / export page (issue 11): admins and staff download the catalog as CSV
and upload one; a file that is no catalog CSV is refused at once and queues nothing; the
worker imports a queued file while the page shows its progress, then its outcome."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from shop.catalog.csv_transfer import jobs
from shop.catalog.models import CatalogImport, Category, Product, Variant
from shop.extensions import db
from tests.factories import make_product, make_warehouse
from tests.web.conftest import field_errors, location_path, text
from tests.web.test_backoffice_access import logged_in

PAGE = "/admin/catalog-csv"
EXPORT = "/admin/catalog-csv/export"
IMPORT = "/admin/catalog-csv/import"
GOOD = (
    "\ufeffproduct,name_en,category,published,sku,options,price,vat_rate,stock_MAIN\r\n"
    "linen,Linen shirt,shirts,yes,LIN-1,size=M,199.90,20,5\r\n"
).encode()


@pytest.fixture
def staff(shopper):
    make_warehouse("MAIN")
    db.session.add(Category(slug="shirts", name={"en": "Shirts"}))
    db.session.commit()
    logged_in(shopper, "staff", name="Selin Staff")
    return shopper


def upload(shopper, content: bytes, *, filename: str = "catalog.csv", separator: str = "", **kwargs):  # noqa: ANN001
    data = {"file": (io.BytesIO(content), filename), "separator": separator}
    return shopper.post(IMPORT, data, token_from=PAGE, content_type="multipart/form-data", **kwargs)


def queued() -> int:
    return db.session.scalar(select(func.count()).select_from(CatalogImport))


def test_the_page_is_in_the_catalog_navigation(staff):
    response = staff.get(PAGE)

    assert response.status_code == 200
    assert f'href="{PAGE}" aria-current="page"' in response.get_data(as_text=True)
    assert 'href="/admin/catalog-csv"' in staff.get("/admin/warehouses").get_data(as_text=True)


@pytest.mark.parametrize("separator", [",", ";"])
def test_export_download(staff, separator):
    make_product(name="Çay bardağı", stock=3)
    db.session.commit()

    response = staff.get(f"{EXPORT}?separator={separator}", buffered=True)  # read in the request's context

    assert response.status_code == 200
    assert response.content_type == "text/csv; charset=utf-8"
    assert "attachment" in response.headers["Content-Disposition"]
    body = response.get_data()
    assert body.startswith(b"\xef\xbb\xbf")
    header, first = body.decode("utf-8-sig").split("\r\n")[:2]
    assert header.startswith(f"product{separator}name_en{separator}")
    assert "Çay bardağı" in first


def test_an_unknown_separator_exports_with_commas(staff):
    assert (
        staff.get(f"{EXPORT}?separator=%7C", buffered=True)
        .get_data(as_text=True)
        .split("\r\n")[0]
        .startswith("\ufeffproduct,")
    )


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "The file is empty."),
        (b"   \r\n", "The file is empty."),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "This is not a CSV file: it contains binary data."),
        ("product,name_en\r\nx,Gömlek\r\n".encode("cp1254"), "The file is not in UTF-8."),
        (b"Dear seller,\nhere is my list", "Unknown column Dear seller."),
        (b"product;sku;price;vat_rate\r\n", ""),  # read with "," chosen: one column
    ],
)
def test_refused_uploads_queue_nothing(staff, content, message):
    response = upload(staff, content, separator="," if b";" in content else "")

    assert response.status_code == 422
    errors = field_errors(response, "file")
    assert errors and errors[0].startswith(message)
    assert queued() == 0


def test_no_file_is_refused(staff):
    response = staff.post(IMPORT, {"separator": ""}, token_from=PAGE, content_type="multipart/form-data")

    assert response.status_code == 422
    assert field_errors(response, "file") == ["Choose a CSV file to upload."]
    assert queued() == 0


def test_a_file_over_the_limit_is_refused_without_an_error_page(staff, app, monkeypatch):
    from shop.catalog.csv_transfer import columns

    monkeypatch.setattr(columns, "MAX_BYTES", 1024)
    response = upload(staff, GOOD + b"x" * 200_000)

    assert response.status_code == 413
    assert queued() == 0


def test_upload_needs_the_csrf_token(staff):
    response = staff.post(
        IMPORT, {"file": (io.BytesIO(GOOD), "c.csv")}, csrf=False, content_type="multipart/form-data"
    )

    assert response.status_code in (400, 403)
    assert queued() == 0


def test_couriers_get_403(shopper):
    logged_in(shopper, "courier")

    assert shopper.get(PAGE).status_code == 403
    assert shopper.get(EXPORT).status_code == 403
    assert upload(shopper, GOOD).status_code == 403
    assert queued() == 0


def test_the_worker_imports_an_upload_and_the_page_shows_progress_then_the_result(staff):
    response = upload(staff, GOOD)

    assert response.status_code == 303
    page = location_path(response)
    waiting = staff.get(page)
    assert 'hx-trigger="every 1s"' in waiting.get_data(as_text=True)
    assert "<progress" in waiting.get_data(as_text=True)
    assert "Waiting for the worker" in text(waiting)
    assert db.session.scalar(select(func.count()).select_from(Product)) == 0

    jobs.run_queued()

    fragment = staff.get(f"{page}/status", htmx=True)
    assert "hx-trigger" not in fragment.get_data(as_text=True)
    assert "All 1 rows were imported." in text(fragment) and "Products added: 1" in text(fragment)
    assert db.session.scalar(select(Variant.sku)) == "LIN-1"


def test_a_file_with_bad_rows_shows_each_problem_and_imports_nothing(staff):
    content = GOOD + b"linen2,Linen,nope,yes,LIN-2,,-1,20,\r\n"

    page = location_path(upload(staff, content))
    jobs.run_queued()
    response = staff.get(page)

    body = text(response)
    assert "Nothing was imported." in body
    assert "No category has the slug nope." in body and "Enter a price greater than 0." in body
    assert body.count("<tr>") == 3  # the header row and two problems
    assert db.session.scalar(select(func.count()).select_from(Product)) == 0


@pytest.mark.parametrize("path", ["/admin/catalog-csv/imports/999", "/admin/catalog-csv/imports/999/status"])
def test_an_unknown_import_is_404(staff, path):
    assert staff.get(path).status_code == 404


def test_a_bad_separator_choice_is_refused(staff):
    response = upload(staff, GOOD, separator="|")

    assert response.status_code == 422 and "Not a valid choice." in text(response)
    assert queued() == 0

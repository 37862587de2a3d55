"""Product pictures over HTTP: the back-office page, the picture addresses, the storefront."""

from __future__ import annotations

import io
import re

import pytest

from shop.catalog import pictures
from shop.catalog.picture_storage import PictureFile
from shop.catalog.pictures import Picture
from shop.extensions import db
from tests.factories import make_product
from tests.picture_files import SVG, TEXT, huge_png, image_bytes, jpeg_with_exif, noise_png
from tests.statements import statements
from tests.web.conftest import field_errors, location_path, text
from tests.web.test_backoffice_access import logged_in


def page_of(product) -> str:
    return f"/admin/products/{product.id}/pictures"


def send(shopper, product, data: bytes | None, filename: str = "photo.jpg", **fields):
    form = {"variant": "", **fields}
    if data is not None:
        form["picture"] = (io.BytesIO(data), filename)
    page = page_of(product)
    return shopper.post(page, form, token_from=page, content_type="multipart/form-data")


def stored_picture(product, **kwargs) -> Picture:
    return pictures.add_picture(product, io.BytesIO(image_bytes("PNG", (40, 40))), **kwargs)


def count(model) -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(model))


@pytest.fixture
def staff(shopper):
    logged_in(shopper, "staff")
    return shopper


# --- the back-office page --------------------------------------------------------------------


@pytest.mark.parametrize("role", ["staff", "admin"])
def test_staff_and_admins_upload_a_picture_and_see_its_thumbnail(shopper, role):
    logged_in(shopper, role)
    product = make_product(name="Linen shirt")

    response = send(shopper, product, jpeg_with_exif())

    assert response.status_code == 303 and location_path(response) == page_of(product)
    picture = db.session.scalar(db.select(Picture))
    assert picture.product_id == product.id
    page = shopper.get(page_of(product))
    assert page.status_code == 200
    assert "Picture added." in text(page)
    assert f'src="/media/pictures/{picture.id}/{picture.token}-160.webp"' in page.get_data(as_text=True)
    assert f'href="/admin/products/{product.id}"' in page.get_data(as_text=True)


@pytest.mark.parametrize(
    ("data", "filename", "message"),
    [
        (None, "", "Choose a picture to upload."),
        (b"", "empty.jpg", "Choose a picture to upload."),
        (TEXT, "prices.jpg", "This file is not a JPEG, PNG or WebP picture."),
        (SVG, "logo.svg", "This file is not a JPEG, PNG or WebP picture."),
        (image_bytes("JPEG")[:700], "cut.jpg", "This picture is damaged or incomplete."),
        (huge_png(20_000, 20_000), "bomb.png", "This picture has too many pixels (at most 40 megapixels)."),
    ],
    ids=["no-file", "empty", "text", "svg", "truncated", "20000x20000"],
)
def test_a_bad_upload_is_refused_with_a_message_and_nothing_is_stored(staff, data, filename, message):
    product = make_product()

    response = send(staff, product, data, filename)

    assert response.status_code == 422
    assert field_errors(response, "picture") == [message]
    assert count(Picture) == count(PictureFile) == 0


def test_a_cut_off_picture_is_refused_even_after_weasyprint_was_imported(staff):
    import weasyprint  # noqa: F401  (sets Pillow's LOAD_TRUNCATED_IMAGES at import)
    from PIL import ImageFile

    ImageFile.LOAD_TRUNCATED_IMAGES = True  # as a process that printed a document has it
    product = make_product()

    response = send(staff, product, image_bytes("JPEG")[:700], "cut.jpg")

    assert response.status_code == 422
    assert field_errors(response, "picture") == ["This picture is damaged or incomplete."]
    assert count(Picture) == 0


def test_a_file_over_the_limit_is_refused_and_a_body_far_over_it_is_a_413(staff, app, monkeypatch):
    monkeypatch.setitem(app.config, "PICTURE_MAX_BYTES", 100 * 1024)
    product = make_product()

    over_the_limit = send(staff, product, noise_png((200, 200)))
    far_over = send(staff, product, noise_png((400, 400)))

    assert over_the_limit.status_code == 422
    assert field_errors(over_the_limit, "picture") == ["This file is larger than 0.1 MB."]
    assert far_over.status_code == 413
    assert count(Picture) == count(PictureFile) == 0


def test_the_upload_takes_pictures_larger_than_other_forms_accept(staff, app):
    """Every other form keeps MAX_CONTENT_LENGTH (2 MB); the upload takes PICTURE_MAX_BYTES."""
    data = noise_png((1000, 1000))
    assert app.config["MAX_CONTENT_LENGTH"] < len(data) < app.config["PICTURE_MAX_BYTES"]

    assert send(staff, make_product(), data, "big.png").status_code == 303
    assert count(Picture) == 1
    assert staff.post("/admin/account", {"name": "x" * len(data)}).status_code == 413


def test_a_variant_of_another_product_or_a_made_up_one_is_refused(staff):
    product, other = make_product(variants=2), make_product()

    for value in (str(other.variants[0].id), "abc", "-1", "9" * 40):
        response = send(staff, product, image_bytes("PNG", (40, 40)), "a.png", variant=value)
        assert response.status_code == 422, value
        assert field_errors(response, "variant"), value
    assert count(Picture) == 0


def test_reorder_choose_a_variant_and_delete(staff):
    product = make_product(variants=2)
    first, second = (stored_picture(product) for _ in range(2))
    db.session.commit()
    base = page_of(product)

    moved = staff.post(f"{base}/{second.id}/move", {"direction": "up"}, token_from=base)
    second_variant = str(product.variants[1].id)
    chosen = staff.post(f"{base}/{first.id}/variant", {"variant": second_variant}, token_from=base)

    assert moved.status_code == chosen.status_code == 303
    db.session.expire_all()
    assert [p.id for p in pictures.pictures_of(product.id)] == [second.id, first.id]
    assert first.variant_id == product.variants[1].id
    assert f'<option value="{second_variant}" selected>' in staff.get(base).get_data(as_text=True)

    assert staff.post(f"{base}/{second.id}/delete", {}, token_from=base).status_code == 303
    assert [p.id for p in pictures.pictures_of(product.id)] == [first.id]
    assert count(PictureFile) == 3


def test_bad_actions_change_nothing(staff):
    product, other = make_product(variants=2), make_product()
    picture = pictures.add_picture(product, io.BytesIO(image_bytes("PNG", (40, 40))))
    db.session.commit()
    base = page_of(product)

    sideways = staff.post(f"{base}/{picture.id}/move", {"direction": "sideways"}, token_from=base)
    empty = staff.post(f"{base}/{picture.id}/move", {}, token_from=base)
    not_its_own = {"variant": str(other.variants[0].id)}
    foreign = staff.post(f"{base}/{picture.id}/variant", not_its_own, token_from=base)
    wrong_product = staff.post(f"{page_of(other)}/{picture.id}/delete", {}, token_from=base)
    unknown = staff.get("/admin/products/99999/pictures")
    no_token = staff.post(f"{base}/{picture.id}/delete", {}, csrf=False)

    assert sideways.status_code == empty.status_code == foreign.status_code == 422
    assert "Choose to move the picture up or down." in text(sideways)
    assert "Choose one of this product's variants." in text(foreign)
    assert wrong_product.status_code == unknown.status_code == 404
    assert no_token.status_code == 400
    db.session.expire_all()
    assert count(Picture) == 1 and picture.variant_id is None and picture.position == 0


def test_couriers_get_403_and_logged_out_visitors_the_login(shopper):
    product = make_product()
    assert shopper.get(page_of(product)).status_code == 303
    logged_in(shopper, "courier")

    assert shopper.get(page_of(product)).status_code == 403
    tasks = shopper.get("/courier/tasks").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', tasks)
    form = {"csrf_token": token.group(1) if token else "", "picture": (io.BytesIO(image_bytes()), "a.jpg")}
    response = shopper.post(page_of(product), form, csrf=False, content_type="multipart/form-data")
    assert response.status_code == 403
    assert count(Picture) == 0


def test_the_page_runs_a_bounded_number_of_statements(staff, app):

    product = make_product(variants=3)
    for _ in range(2):
        pictures.add_picture(product, io.BytesIO(image_bytes("PNG", (40, 40))))
    db.session.commit()
    staff.get(page_of(product))  # warm up

    def statements_for(url: str) -> int:
        with statements() as seen:
            assert staff.get(url).status_code == 200
        return len(seen)

    few = statements_for(page_of(product))
    for _ in range(6):
        pictures.add_picture(product, io.BytesIO(image_bytes("PNG", (40, 40))))
    db.session.commit()
    assert statements_for(page_of(product)) == few <= 12


# --- the picture addresses -------------------------------------------------------------------


def test_a_picture_is_served_immutable_with_an_etag_and_a_304(shopper):
    product = make_product()
    picture = pictures.add_picture(product, io.BytesIO(image_bytes("JPEG", (800, 600))))
    db.session.commit()
    url = f"/media/pictures/{picture.id}/{picture.token}-480.webp"

    response = shopper.get(url)

    assert response.status_code == 200
    assert response.content_type == "image/webp"
    assert response.get_data() == pictures.picture_bytes(picture, 480)
    cache = response.headers["Cache-Control"]
    assert "public" in cache and "max-age=31536000" in cache and "immutable" in cache
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    etag = response.headers["ETag"]
    assert etag.strip('"') == picture.rendition(480)["etag"]

    again = shopper.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""
    assert again.headers["ETag"] == etag and "immutable" in again.headers["Cache-Control"]
    assert shopper.get(url, headers={"If-None-Match": '"something-else"'}).status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/media/pictures/{id}/0000000000000000-480.webp",  # a guessed token
        "/media/pictures/{id}/{token}-500.webp",  # no such width
        "/media/pictures/99999/{token}-480.webp",
        "/media/pictures/99999999999999999999/{token}-480.webp",
        "/media/pictures/{id}/{token}-480.png",
    ],
)
def test_a_wrong_picture_address_is_a_404(shopper, path):
    picture = pictures.add_picture(make_product(), io.BytesIO(image_bytes("PNG", (40, 40))))
    db.session.commit()

    assert shopper.get(path.format(id=picture.id, token=picture.token)).status_code == 404


# --- the storefront --------------------------------------------------------------------------


def _cards(body: str) -> dict[str, str]:
    return dict(re.findall(r'<li class="product-card" data-slug="([^"]+)">(.*?)</li>', body, re.S))


def test_the_listing_shows_pictures_with_srcset_and_the_placeholder_otherwise(shopper):
    pictured, plain = make_product(name="Pictured"), make_product(name="Plain")
    picture = pictures.add_picture(pictured, io.BytesIO(image_bytes("JPEG", (1200, 900))))
    db.session.commit()

    cards = _cards(shopper.get("/").get_data(as_text=True))

    base = f"/media/pictures/{picture.id}/{picture.token}"
    assert f'src="{base}-480.webp"' in cards[pictured.slug]
    srcset = f"{base}-160.webp 160w, {base}-480.webp 480w, {base}-960.webp 960w"
    assert f'srcset="{srcset}"' in cards[pictured.slug]
    assert 'sizes="' in cards[pictured.slug]
    assert f"/p/{plain.slug}/picture.svg" in cards[plain.slug] and "srcset" not in cards[plain.slug]


def test_the_product_page_shows_the_chosen_variants_picture_first(shopper):
    product, plain = make_product(variants=2), make_product()
    general = pictures.add_picture(product, io.BytesIO(image_bytes("PNG", (1200, 900))))
    blue = pictures.add_picture(
        product, io.BytesIO(image_bytes("PNG", (1200, 900), colour="blue")), variant_id=product.variants[1].id
    )
    db.session.commit()

    def main_picture(url: str) -> str:
        body = shopper.get(url).get_data(as_text=True)
        return re.search(r'<div class="product-picture">\s*(<img[^>]*>)', body).group(1)

    assert f"/media/pictures/{general.id}/{general.token}-960.webp" in main_picture(f"/p/{product.slug}")
    chosen = main_picture(f"/p/{product.slug}?variant={product.variants[1].id}")
    assert f"/media/pictures/{blue.id}/{blue.token}-960.webp" in chosen and "srcset=" in chosen
    placeholder = main_picture(f"/p/{plain.slug}")
    assert f"/p/{plain.slug}/picture.svg" in placeholder and "srcset" not in placeholder


def test_a_picture_never_carries_a_session_cookie(shopper):
    """A response a shared cache may keep must not hand one visitor's session to the next."""
    picture = stored_picture(make_product())
    db.session.commit()
    shopper.get("/?lang=fa")  # a visitor with a session (a remembered language)
    url = f"/media/pictures/{picture.id}/{picture.token}-160.webp"

    as_guest = shopper.get(url)
    logged_in(shopper, "staff")
    as_staff = shopper.get(url)

    assert as_guest.status_code == as_staff.status_code == 200
    assert "Set-Cookie" not in as_guest.headers and "Set-Cookie" not in as_staff.headers


def test_the_variant_picker_also_swaps_the_pictures_to_the_chosen_variants_own(shopper):
    product = make_product(variants=2)
    general = pictures.add_picture(product, io.BytesIO(image_bytes("PNG", (1200, 900))))
    blue = pictures.add_picture(
        product, io.BytesIO(image_bytes("PNG", (1200, 900), colour="blue")), variant_id=product.variants[1].id
    )
    db.session.commit()

    def swapped_picture(variant) -> str:  # noqa: ANN001
        response = shopper.get(f"/p/{product.slug}?variant={variant.id}", headers={"HX-Request": "true"})
        body = response.get_data(as_text=True)
        assert response.status_code == 200 and '<section class="buy-box"' in body
        found = re.search(
            r'<div class="product-picture" hx-swap-oob="outerHTML:.product-picture">\s*(<img[^>]*>)', body
        )
        return found.group(1)

    assert f"/media/pictures/{blue.id}/{blue.token}-960.webp" in swapped_picture(product.variants[1])
    assert f"/media/pictures/{general.id}/{general.token}-960.webp" in swapped_picture(product.variants[0])
    # The full page has one set of pictures, never an out-of-band copy.
    page = shopper.get(f"/p/{product.slug}?variant={product.variants[1].id}").get_data(as_text=True)
    assert page.count('class="product-picture"') == 1 and "hx-swap-oob" not in page

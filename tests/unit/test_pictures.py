"""Product pictures (B18): what an upload must be, what is kept of it, where it is stored."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from shop.catalog import pictures
from shop.catalog.picture_storage import PictureFile
from shop.catalog.pictures import Picture, PictureRefused
from shop.extensions import db
from tests.factories import make_product
from tests.picture_files import SVG, TEXT, huge_png, image_bytes, jpeg_with_exif, noise_png


class MemoryStorage:
    """A storage kept in a dict: stands for an object store (PICTURE_STORAGE=module:Class)."""

    files: dict[str, tuple[bytes, str]] = {}

    def put(self, key: str, data: bytes, content_type: str) -> None:
        self.files[key] = (data, content_type)

    def get(self, key: str) -> bytes | None:
        found = self.files.get(key)
        return found[0] if found else None

    def delete(self, key: str) -> None:
        self.files.pop(key, None)


def upload(product, data: bytes, **kwargs) -> Picture:
    return pictures.add_picture(product, io.BytesIO(data), **kwargs)


def stored(picture: Picture, width: int) -> Image.Image:
    return Image.open(io.BytesIO(pictures.picture_bytes(picture, width)))


def nothing_stored() -> bool:
    return db.session.scalar(db.select(db.func.count()).select_from(Picture)) == 0 and (
        db.session.scalar(db.select(db.func.count()).select_from(PictureFile)) == 0
    )


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_jpeg_png_and_webp_are_stored_as_webp_in_three_widths(fmt):
    product = make_product()

    picture = upload(product, image_bytes(fmt, (1200, 900)))
    db.session.commit()

    assert (picture.width, picture.height) == (1200, 900)
    for width in (160, 480, 960):
        image = stored(picture, width)
        assert image.format == "WEBP"
        assert image.size == (width, width * 3 // 4)
        rendition = picture.rendition(width)
        assert (rendition["width"], rendition["height"]) == (width, width * 3 // 4)
        assert len(rendition["etag"]) == 32
    assert db.session.scalar(db.select(db.func.count()).select_from(PictureFile)) == 3


def test_a_small_picture_is_never_scaled_up():
    picture = upload(make_product(), image_bytes("PNG", (300, 200), alpha=True, colour=(200, 0, 0, 100)))

    assert [picture.rendition(w)["width"] for w in (160, 480, 960)] == [160, 300, 300]
    assert stored(picture, 960).mode == "RGBA"  # transparency kept


def test_camera_metadata_is_dropped_and_the_photo_turned_upright():
    original = jpeg_with_exif((1200, 900))
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(0x8825)  # the GPS position is there

    picture = upload(make_product(), original)

    assert (picture.width, picture.height) == (900, 1200)  # orientation 6: rotated upright
    for width in (160, 480, 960):
        data = pictures.picture_bytes(picture, width)
        image = Image.open(io.BytesIO(data))
        assert not image.getexif()
        assert "exif" not in image.info and "xmp" not in image.info
        assert b"SpyCam" not in data and b"Secret garden" not in data and b"taken at home" not in data
        assert image.height > image.width


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (TEXT, "This file is not a JPEG, PNG or WebP picture."),
        (SVG, "This file is not a JPEG, PNG or WebP picture."),
        (image_bytes("GIF", (50, 50)), "This file is not a JPEG, PNG or WebP picture."),
        (image_bytes("JPEG")[:600], "This picture is damaged or incomplete."),
        (image_bytes("PNG")[:200], "This picture is damaged or incomplete."),
        (b"", "Choose a picture to upload."),
    ],
    ids=["text", "svg", "gif", "truncated-jpeg", "truncated-png", "empty"],
)
def test_what_is_not_a_whole_jpeg_png_or_webp_is_refused(data, message):
    product = make_product()

    with pytest.raises(PictureRefused) as refused:
        upload(product, data)

    assert str(refused.value) == message
    db.session.rollback()
    assert nothing_stored()


def test_a_decompression_bomb_is_refused_before_it_is_decoded():
    bomb = huge_png(20_000, 20_000)
    assert len(bomb) < 100_000  # 400 megapixels in a few kilobytes

    with pytest.raises(PictureRefused) as refused:
        upload(make_product(), bomb)

    assert str(refused.value) == "This picture has too many pixels (at most 40 megapixels)."
    db.session.rollback()
    assert nothing_stored()


def test_pillows_own_bomb_guard_is_a_refusal_too(app, monkeypatch):
    """With the shop's pixel limit above Pillow's, Pillow's DecompressionBombError (and its
    warning, between one and two times its limit) still end as the same refusal."""
    monkeypatch.setitem(app.config, "PICTURE_MAX_PIXELS", 10**12)
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1_000_000)
    product = make_product()

    for size in ((1500, 1000), (3000, 1000)):  # 1.5 × the limit: a warning; 3 ×: an error
        with pytest.raises(PictureRefused, match="too many pixels"):
            upload(product, image_bytes("PNG", size))
    db.session.rollback()
    assert nothing_stored()


def test_a_file_over_the_size_limit_is_refused(app, monkeypatch):
    monkeypatch.setitem(app.config, "PICTURE_MAX_BYTES", 100 * 1024)
    data = noise_png((200, 200))
    assert len(data) > 100 * 1024

    with pytest.raises(PictureRefused) as refused:
        upload(make_product(), data)

    assert str(refused.value) == "This file is larger than 0.1 MB."
    db.session.rollback()
    assert nothing_stored()


def test_pictures_are_ordered_moved_and_deleted_with_their_files():
    product = make_product()
    first, second, third = (upload(product, image_bytes("PNG", (20, 20), c)) for c in ("red", "lime", "blue"))

    pictures.move_picture(third, -1)
    pictures.move_picture(first, -1)  # already first: stays
    assert [p.id for p in pictures.pictures_of(product.id)] == [first.id, third.id, second.id]

    pictures.delete_picture(third)
    db.session.commit()

    assert [(p.id, p.position) for p in pictures.pictures_of(product.id)] == [(first.id, 0), (second.id, 1)]
    keys = set(db.session.scalars(db.select(PictureFile.key)))
    assert not any(key.startswith(f"pictures/{third.id}-") for key in keys) and len(keys) == 6


def test_a_variant_has_at_most_one_picture():
    product = make_product(variants=2)
    red, blue = product.variants
    first = upload(product, image_bytes("PNG", (20, 20)), variant_id=red.id)
    second = upload(product, image_bytes("PNG", (20, 20)))

    pictures.assign_variant(second, product, red.id)
    db.session.commit()

    assert (first.variant_id, second.variant_id) == (None, red.id)
    other = make_product()
    with pytest.raises(PictureRefused, match="Choose one of this product's variants."):
        pictures.assign_variant(first, product, other.variants[0].id)


def test_pictures_for_a_list_come_in_one_statement(app):
    from sqlalchemy import event

    with_pictures = [make_product() for _ in range(3)]
    without = make_product()
    for product in with_pictures:
        upload(product, image_bytes("PNG", (20, 20)))
        upload(product, image_bytes("PNG", (20, 20)))
    db.session.commit()
    ids, wanted = [p.id for p in [*with_pictures, without]], {p.id for p in with_pictures}
    statements = []
    listen = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listen)
    try:
        found = pictures.pictures_for(ids)
    finally:
        event.remove(db.engine, "before_cursor_execute", listen)

    assert len(statements) == 1
    assert set(found) == wanted
    assert all(picture.position == 0 for picture in found.values())


def test_the_storage_is_chosen_by_configuration(app, monkeypatch):
    monkeypatch.setitem(app.config, "PICTURE_STORAGE", f"{__name__}:MemoryStorage")
    MemoryStorage.files.clear()

    picture = upload(make_product(), image_bytes("JPEG", (640, 480)))
    db.session.commit()

    assert db.session.scalar(db.select(db.func.count()).select_from(PictureFile)) == 0
    assert sorted(MemoryStorage.files) == sorted(picture.storage_key(w) for w in (160, 480, 960))
    assert {kind for _, kind in MemoryStorage.files.values()} == {"image/webp"}
    assert Image.open(io.BytesIO(pictures.picture_bytes(picture, 480))).size == (480, 360)
    pictures.delete_picture(picture)
    assert MemoryStorage.files == {}


def test_deleting_a_products_pictures_removes_their_files():
    product, kept = make_product(), make_product()
    upload(product, image_bytes("PNG", (20, 20)))
    upload(product, image_bytes("PNG", (20, 20)))
    other = upload(kept, image_bytes("PNG", (20, 20)))

    pictures.delete_pictures_of(product)
    db.session.commit()

    assert [p.id for p in db.session.scalars(db.select(Picture))] == [other.id]
    assert db.session.scalar(db.select(db.func.count()).select_from(PictureFile)) == 3

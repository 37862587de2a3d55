"""Product pictures: uploaded, checked and re-encoded with Pillow, stored as three renditions.

Nothing a seller uploads is ever served as uploaded: the file is decoded (JPEG, PNG or WebP
only; an SVG, a text file or a damaged image is refused), turned upright from its EXIF
orientation and re-encoded to WebP without its metadata (camera, GPS position, comments), at
the widths the pages need: 160 px (back office, small screens), 480 px (lists) and 960 px
(the product page). A picture is immutable: its address carries a hash of the upload, so it
can be cached for a year.
"""

from __future__ import annotations

import hashlib
import io
import struct
import warnings
from datetime import datetime

from flask import current_app
from flask_babel import gettext
from PIL import Image, ImageFile, ImageOps, UnidentifiedImageError
from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from shop.catalog.models import Product, Variant
from shop.catalog.picture_storage import picture_storage
from shop.db_types import UTCDateTime, utcnow
from shop.errors import ShopError
from shop.extensions import db
from shop.i18n import format_number

# Nominal widths of the renditions: back office and phones, product lists, the product page.
WIDTHS = (160, 480, 960)
ACCEPTED_FORMATS = ("JPEG", "PNG", "WEBP")
CONTENT_TYPE = "image/webp"
DEFAULT_MAX_BYTES = 8 * 1024 * 1024
# Decoded, a picture is width × height × 4 bytes in memory: 40 megapixels is 160 MB, and more
# than any shop picture needs (a 50 MP camera's photos can be scaled down before uploading).
DEFAULT_MAX_PIXELS = 40_000_000


class Picture(db.Model):
    __tablename__ = "pictures"

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"), index=True)
    # The variant this picture shows (a colour, say); at most one picture per variant.
    variant_id: Mapped[int | None] = mapped_column(
        ForeignKey("variants.id", ondelete="SET NULL"), index=True, unique=True
    )
    position: Mapped[int] = mapped_column(default=0)
    width: Mapped[int]  # of the upright upload
    height: Mapped[int]
    # SHA-256 of the uploaded file: part of every rendition's address, so a cached address
    # never shows another picture, even if a database hands out a deleted row's id again.
    digest: Mapped[str] = mapped_column(String(64))
    # {"160": {"width": 160, "height": 120, "etag": "<sha-256 of the WebP bytes>"}, ...}
    renditions: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def rendition(self, width: int) -> dict | None:
        return self.renditions.get(str(width))

    def storage_key(self, width: int) -> str:
        return f"pictures/{self.id}-{self.digest[:16]}-{width}.webp"

    @property
    def token(self) -> str:
        return self.digest[:16]


class PictureRefused(ShopError):
    code = "picture_refused"
    field = "picture"
    http_status = 422


# --- checking and re-encoding an upload -----------------------------------------------------


def _megabytes(size: int) -> str:
    return format_number(round(size / (1024 * 1024), 1))


def decode_upload(data: bytes, max_pixels: int) -> Image.Image:
    """The upload as a loaded, upright image, or PictureRefused saying why not."""
    not_a_picture = PictureRefused(gettext("This file is not a JPEG, PNG or WebP picture."))
    damaged = PictureRefused(gettext("This picture is damaged or incomplete."))
    too_big = PictureRefused(
        gettext(
            "This picture has too many pixels (at most %(megapixels)s megapixels).",
            megapixels=format_number(max_pixels // 1_000_000),
        )
    )
    # WeasyPrint (the printed documents) turns Pillow's LOAD_TRUNCATED_IMAGES on for the whole
    # process when it is imported; a cut-off upload must still be refused as damaged.
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    # Pillow warns above Image.MAX_IMAGE_PIXELS and refuses above twice that: both are refusals
    # here, and our own limit (checked from the header, before any pixel is decoded) is lower.
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data), formats=ACCEPTED_FORMATS) as probe:
                if probe.width * probe.height > max_pixels:
                    raise too_big
                probe.verify()
            image = Image.open(io.BytesIO(data), formats=ACCEPTED_FORMATS)
            image.load()
            upright = ImageOps.exif_transpose(image)  # reads the EXIF: may meet a broken one
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise too_big from None
        except UnidentifiedImageError:
            raise not_a_picture from None
        except (OSError, SyntaxError, ValueError, EOFError, IndexError, KeyError, struct.error):
            raise damaged from None
    if upright.width < 1 or upright.height < 1:
        raise damaged
    return upright


def pixels_only(image: Image.Image) -> Image.Image:
    """Pixels only: a fresh image in RGB (or RGBA when the picture has transparency), so no
    EXIF, XMP, comment or other chunk of the upload can reach the encoder."""
    transparent = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
    pixels = image.convert("RGBA" if transparent else "RGB")
    clean = Image.new(pixels.mode, pixels.size)
    clean.paste(pixels)
    return clean


def _renditions(image: Image.Image) -> dict[int, tuple[bytes, int, int]]:
    """WebP bytes, width and height per nominal width; never scaled up."""
    result = {}
    for width in WIDTHS:
        scaled = image
        if image.width > width:
            height = max(1, round(image.height * width / image.width))
            scaled = image.resize((width, height), Image.Resampling.LANCZOS)
        out = io.BytesIO()
        scaled.save(out, "WEBP", quality=82, method=4)
        result[width] = (out.getvalue(), scaled.width, scaled.height)
    return result


def read_upload(stream, max_bytes: int) -> bytes:  # noqa: ANN001  (a file-like object)
    """At most ``max_bytes`` of an upload; a larger file is refused without reading it all."""
    data = stream.read(max_bytes + 1)
    if not data:
        raise PictureRefused(gettext("Choose a picture to upload."))
    if len(data) > max_bytes:
        raise PictureRefused(
            gettext("This file is larger than %(size)s MB.", size=_megabytes(max_bytes))
        )
    return data


def max_upload_bytes() -> int:
    return int(current_app.config.get("PICTURE_MAX_BYTES") or DEFAULT_MAX_BYTES)


def max_upload_pixels() -> int:
    return int(current_app.config.get("PICTURE_MAX_PIXELS") or DEFAULT_MAX_PIXELS)


# --- the seller's verbs ---------------------------------------------------------------------


def pictures_of(product_id: int) -> list[Picture]:
    return list(
        db.session.scalars(
            db.select(Picture).where(Picture.product_id == product_id).order_by(Picture.position, Picture.id)
        )
    )


def _variant_of(product: Product, variant_id: int | None) -> Variant | None:
    if variant_id is None:
        return None
    variant = next((v for v in product.variants if v.id == variant_id), None)
    if variant is None:
        raise PictureRefused(gettext("Choose one of this product's variants."), field="variant")
    return variant


def _give_variant(picture: Picture, variant: Variant | None, siblings: list[Picture]) -> None:
    """One picture per variant: the picture that showed it before becomes the product's."""
    if variant is not None:
        for other in siblings:
            if other is not picture and other.variant_id == variant.id:
                other.variant_id = None
        db.session.flush()  # the unique index sees the old owner let go first
    picture.variant_id = variant.id if variant else None


def add_picture(product: Product, stream, *, variant_id: int | None = None) -> Picture:  # noqa: ANN001
    """Check, re-encode and store an uploaded picture as the product's last one."""
    data = read_upload(stream, max_upload_bytes())
    variant = _variant_of(product, variant_id)
    decoded = decode_upload(data, max_upload_pixels())
    try:
        image = pixels_only(decoded)
        encoded = _renditions(image)
    except (OSError, ValueError):  # a colour mode or profile the encoder cannot take
        message = gettext("This picture could not be converted. Save it as JPEG and try again.")
        raise PictureRefused(message) from None
    siblings = pictures_of(product.id)
    picture = Picture(
        product_id=product.id,
        position=max((p.position for p in siblings), default=-1) + 1,
        width=image.width,
        height=image.height,
        digest=hashlib.sha256(data).hexdigest(),
        renditions={
            str(width): {"width": w, "height": h, "etag": hashlib.sha256(blob).hexdigest()[:32]}
            for width, (blob, w, h) in encoded.items()
        },
    )
    db.session.add(picture)
    db.session.flush()
    _give_variant(picture, variant, siblings)
    storage = picture_storage()
    for width, (blob, _, _) in encoded.items():
        storage.put(picture.storage_key(width), blob, CONTENT_TYPE)
    return picture


def _renumber(pictures: list[Picture]) -> None:
    for position, picture in enumerate(pictures):
        picture.position = position


def move_picture(picture: Picture, step: int) -> None:
    """One place earlier (-1) or later (+1); the first and last stay put at the ends."""
    pictures = pictures_of(picture.product_id)
    index = pictures.index(picture)
    target = index + step
    if 0 <= target < len(pictures):
        pictures[index], pictures[target] = pictures[target], pictures[index]
    _renumber(pictures)


def delete_picture(picture: Picture) -> None:
    storage = picture_storage()
    for width in WIDTHS:
        storage.delete(picture.storage_key(width))
    rest = [p for p in pictures_of(picture.product_id) if p.id != picture.id]
    db.session.delete(picture)
    _renumber(rest)


def delete_pictures_of(product: Product) -> None:
    """Before a product is deleted: its pictures and their files (the database would remove the
    rows by itself, ON DELETE CASCADE, but not the files of an object store)."""
    storage = picture_storage()
    for picture in pictures_of(product.id):
        for width in WIDTHS:
            storage.delete(picture.storage_key(width))
        db.session.delete(picture)


def assign_variant(picture: Picture, product: Product, variant_id: int | None) -> None:
    _give_variant(picture, _variant_of(product, variant_id), pictures_of(product.id))


# --- what the pages show --------------------------------------------------------------------


def pictures_for(product_ids) -> dict[int, Picture]:  # noqa: ANN001  (any iterable of ids)
    """The first picture of each product that has one, in one statement (for product lists)."""
    ids = list(dict.fromkeys(product_ids))
    if not ids:
        return {}
    first: dict[int, Picture] = {}
    rows = db.session.scalars(
        db.select(Picture).where(Picture.product_id.in_(ids)).order_by(Picture.position, Picture.id)
    )
    for picture in rows:
        first.setdefault(picture.product_id, picture)
    return first


def picture_bytes(picture: Picture, width: int) -> bytes | None:
    return picture_storage().get(picture.storage_key(width))

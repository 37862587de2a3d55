"""The customer's photo of a returned item: checked and re-encoded as the catalog's pictures
are (only real JPEG, PNG or WebP pictures, within the same byte and pixel limits), stripped of
its metadata (a phone photo carries the customer's GPS position) and stored as one JPEG of
bounded size in the picture storage."""

from __future__ import annotations

import io
import secrets

from flask_babel import gettext
from PIL import Image

from shop.catalog import pictures
from shop.catalog.picture_storage import picture_storage
from shop.catalog.pictures import PictureRefused
from shop.errors import ReturnRefused
from shop.i18n import format_number

CONTENT_TYPE = "image/jpeg"
LONGEST_SIDE = 1600  # enough to see a scratch; a phone's 12 MP photo is 4000 px
QUALITY = 85


def read(stream) -> bytes:  # noqa: ANN001  (a file-like object)
    """The uploaded file's bytes, at most the pictures' upload limit; ReturnRefused otherwise."""
    try:
        return pictures.read_upload(stream, pictures.max_upload_bytes())
    except PictureRefused as refused:
        raise ReturnRefused(str(refused), field="photo") from None


def prepared(data: bytes) -> bytes:
    """The photo as it will be kept: upright, without metadata, a JPEG at most LONGEST_SIDE
    pixels wide or high. ReturnRefused (field "photo") for anything that is not a picture."""
    if len(data) > pictures.max_upload_bytes():
        raise ReturnRefused(
            gettext(
                "This file is larger than %(size)s MB.",
                size=format_number(pictures.max_upload_bytes() // (1024 * 1024)),
            ),
            field="photo",
        )
    try:
        upright = pictures.decode_upload(data, pictures.max_upload_pixels())
    except PictureRefused as refused:
        raise ReturnRefused(str(refused), field="photo") from None
    out = io.BytesIO()
    try:
        image = pictures.pixels_only(upright)
        if image.mode != "RGB":  # JPEG has no transparency: lay it on white
            flat = Image.new("RGB", image.size, "white")
            flat.paste(image, mask=image.getchannel("A"))
            image = flat
        image.thumbnail((LONGEST_SIDE, LONGEST_SIDE), Image.Resampling.LANCZOS)
        image.save(out, "JPEG", quality=QUALITY, optimize=True)
    except (OSError, ValueError):  # a colour mode or profile the encoder cannot take
        raise ReturnRefused(
            gettext("This picture could not be converted. Save it as JPEG and try again."), field="photo"
        ) from None
    return out.getvalue()


def store(jpeg: bytes) -> str:
    """Keep a prepared photo; its key in the picture storage (unguessable, never reused)."""
    key = f"returns/{secrets.token_urlsafe(16)}.jpg"
    picture_storage().put(key, jpeg, CONTENT_TYPE)
    return key


def photo_bytes(return_request) -> bytes | None:  # noqa: ANN001  (a ReturnRequest)
    """The JPEG of a return's photo, for the back office (and the customer) to see; None
    when it has none. Serve it as CONTENT_TYPE."""
    if not return_request.photo:
        return None
    return picture_storage().get(return_request.photo)

"""Product pictures as the browser fetches them: immutable, cached for a year, with an ETag.

Any picture is served by its address, drafts' too: the back office shows them through the
same address, and the address carries 64 bits of the upload's hash, so nobody can list a
draft's pictures by counting ids. No login: caches and CDNs may keep them.
"""

from __future__ import annotations

from flask import Response, abort, request, url_for

from shop.catalog.pictures import CONTENT_TYPE, WIDTHS, Picture, picture_bytes
from shop.extensions import db
from shop.storefront.views import bp

A_YEAR = 365 * 24 * 3600


def _cached(response: Response, etag: str) -> Response:
    response.set_etag(etag)
    response.cache_control.public = True
    response.cache_control.max_age = A_YEAR
    response.cache_control.immutable = True
    return response


@bp.get("/media/pictures/<int:picture_id>/<token>-<int:width>.webp")
def picture_file(picture_id: int, token: str, width: int):
    picture = db.session.get(Picture, picture_id) if picture_id < 2**31 else None
    rendition = picture.rendition(width) if picture and picture.token == token else None
    if rendition is None:
        abort(404)
    etag = rendition["etag"]
    if request.if_none_match.contains_weak(etag):  # a 304 may match a proxy's weak tag
        return _cached(Response(status=304), etag)
    data = picture_bytes(picture, width)
    if data is None:  # the storage lost it: a missing picture, not a broken page
        abort(404)
    return _cached(Response(data, mimetype=CONTENT_TYPE), etag)


@bp.app_template_global()
def picture_url(picture: Picture, width: int) -> str:
    return url_for("storefront.picture_file", picture_id=picture.id, token=picture.token, width=width)


@bp.app_template_global()
def picture_srcset(picture: Picture) -> str:
    """Each rendition with its real width (a small upload is never scaled up, so two nominal
    widths may be the same picture: it is listed once)."""
    seen: dict[int, str] = {}
    for width in WIDTHS:
        rendition = picture.rendition(width)
        if rendition and rendition["width"] not in seen:
            seen[rendition["width"]] = f"{picture_url(picture, width)} {rendition['width']}w"
    return ", ".join(seen.values())

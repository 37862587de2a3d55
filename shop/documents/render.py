"""Documents from HTML templates: the on-screen preview and the PDF (WeasyPrint) are the same
markup. Each order's document is written in the order's language (``order.locale``): Persian
right to left with Jalali dates, Turkish and Polish letters, all in the bundled Vazirmatn."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from flask import current_app, render_template, url_for
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from shop.catalog.models import Warehouse
from shop.documents import codes, numbering
from shop.documents.models import IssuedDocument
from shop.extensions import db
from shop.i18n import text_direction
from shop.sales.models import DeliveryMethod, Order, OrderState
from shop.settings import services as settings

PACKING_SLIP, DISPATCH_NOTE, SHIPPING_LABEL, PICKUP_LABEL = (
    "packing-slip",
    numbering.DISPATCH_NOTE,
    "shipping-label",
    "pickup-label",
)
KINDS = (PACKING_SLIP, DISPATCH_NOTE, SHIPPING_LABEL, PICKUP_LABEL)
KIND_NAMES = {
    PACKING_SLIP: _l("Packing slip"),
    DISPATCH_NOTE: _l("Dispatch note"),
    SHIPPING_LABEL: _l("Shipping label"),
    PICKUP_LABEL: _l("Pickup label"),
}
# Vazirmatn 33.0.3 (OFL, fonts/vazirmatn/OFL.txt): WOFF2 for browsers (the preview), TTF for the
# PDF (WeasyPrint would decompress the WOFF2 on every render: 0.2 s a font).
FONT_FILES = {400: "fonts/vazirmatn/Vazirmatn-Regular.woff2", 700: "fonts/vazirmatn/Vazirmatn-Bold.woff2"}


def applies(kind: str, order: Order) -> bool:
    """Whether the order has this document: only sales orders are packed and sent; a shipping
    label for carrier and courier orders, a pickup label for pickup orders."""
    if kind not in KINDS or order.state != OrderState.SALES_ORDER:
        return False
    if kind == SHIPPING_LABEL:
        return order.delivery_method in (DeliveryMethod.CARRIER, DeliveryMethod.COURIER)
    if kind == PICKUP_LABEL:
        return order.delivery_method == DeliveryMethod.PICKUP
    return True


def kinds_for(order: Order) -> list[str]:
    return [kind for kind in KINDS if applies(kind, order)]


@dataclass
class Line:
    sku: str
    name: str
    variant: str
    quantity: int


def _weight_grams(order: Order) -> int | None:
    """The parcel's weight when every product's weight is known (a partial sum would mislead)."""
    weights = [line.variant.product.weight_grams for line in order.lines]
    if not weights or any(weight is None for weight in weights):
        return None
    return sum(weight * line.quantity for weight, line in zip(weights, order.lines, strict=True))


def tracking_page_url(order: Order) -> str:
    return current_app.config["SHOP_URL"].rstrip("/") + url_for(
        "storefront.track", token=order.tracking_token
    )


def pickup_screen_url(order: Order) -> str:
    # A string, not url_for: the pickup screen is another module's view (issue 12 contract).
    return f"{current_app.config['SHOP_URL'].rstrip('/')}/admin/orders/{order.number}/pickup"


def _context(kind: str, order: Order, issued: IssuedDocument | None) -> dict:
    from shop.i18n import translated

    locale = order.locale or "en"
    lines = [
        Line(
            sku=line.sku,
            name=translated(line.product_name, locale),
            variant=translated(line.variant_name, locale),
            quantity=line.quantity,
        )
        for line in order.lines
    ]
    context = {
        "kind": kind,
        "title": str(KIND_NAMES[kind]),
        "order": order,
        "lines": lines,
        "units": sum(line.quantity for line in lines),
        "shop": settings.current(),
        "locale": locale,
        "direction": text_direction(locale),
        "issued": issued,
        "warehouse": db.session.get(Warehouse, order.pickup_warehouse_id)
        if order.pickup_warehouse_id
        else None,
    }
    if kind == SHIPPING_LABEL:
        code = order.tracking_number or order.number
        context |= {
            "barcode_text": code,
            "barcode": codes.code128_data_uri(code),
            "qr_text": tracking_page_url(order),
            "qr": codes.qr_data_uri(tracking_page_url(order)),
            "weight_grams": _weight_grams(order),
        }
    elif kind == PICKUP_LABEL:
        context |= {"qr_text": pickup_screen_url(order), "qr": codes.qr_data_uri(pickup_screen_url(order))}
    return context


def body(kind: str, order: Order, *, issued: IssuedDocument | None = None) -> Markup:
    """One order's document (a <section>), in the order's language."""
    with force_locale(order.locale or "en"):
        return Markup(
            render_template(f"documents/{kind.replace('-', '_')}.html", **_context(kind, order, issued))
        )


def page(
    kind: str,
    bodies: Iterable[Markup],
    *,
    preview: bool = False,
    title: str = "",
    toolbar: Markup | None = None,
) -> str:
    """The whole HTML: the documents one after another, each on its own page(s)."""
    if preview:
        fonts = {weight: url_for("static", filename=path) for weight, path in FONT_FILES.items()}
    else:
        static = Path(current_app.static_folder)
        fonts = {
            weight: (static / path).with_suffix(".ttf").as_uri() for weight, path in FONT_FILES.items()
        }
    return render_template(
        "documents/page.html",
        kind=kind,
        bodies=list(bodies),
        fonts=fonts,
        preview=preview,
        title=title or str(KIND_NAMES[kind]),
        toolbar=toolbar,
    )


CHUNK = 20  # orders laid out at a time in a batch: the progress bar moves after each chunk


def _weasy():
    from PIL import ImageFile
    from weasyprint import HTML, URLFetcher
    from weasyprint.text.fonts import FontConfiguration

    # Importing WeasyPrint turns on Pillow's LOAD_TRUNCATED_IMAGES for the whole process; the
    # documents embed no raster pictures, and product uploads must keep refusing cut-off files.
    ImageFile.LOAD_TRUNCATED_IMAGES = False

    return HTML, URLFetcher, FontConfiguration


def _layout(html: str, font_config):  # noqa: ANN001, ANN202
    HTML, URLFetcher, _ = _weasy()
    # Only the bundled fonts and inline data are fetched: nothing from the network.
    fetcher = URLFetcher(allowed_protocols={"file", "data"})
    return HTML(string=html, base_url=current_app.static_folder, url_fetcher=fetcher).render(
        font_config=font_config
    )


def to_pdf(html: str) -> bytes:
    font_config = _weasy()[2]()
    return _layout(html, font_config).write_pdf()


def issue_numbers(kind: str, order: Order, *, by) -> IssuedDocument | None:  # noqa: ANN001
    """A dispatch note gets its number when it is first printed (not when previewed)."""
    return numbering.issue(order, kind, by=by) if kind == DISPATCH_NOTE else None


def pdf_for(
    kind: str,
    orders: list[Order],
    *,
    by,
    progress: Callable[[int], None] | None = None,  # noqa: ANN001
) -> bytes:
    """One PDF of ``kind`` for ``orders`` (each must have it: see applies()), in the caller's
    transaction: a dispatch note's number is issued in it. Laid out CHUNK orders at a time,
    calling ``progress(orders done)`` after each; the pages are joined into one file."""
    font_config = _weasy()[2]()
    documents = []
    for start in range(0, len(orders), CHUNK):
        chunk = orders[start : start + CHUNK]
        bodies = [body(kind, order, issued=issue_numbers(kind, order, by=by)) for order in chunk]
        documents.append(_layout(page(kind, bodies), font_config))
        if progress is not None:
            progress(start + len(chunk))
    pages = [page for document in documents for page in document.pages]
    return documents[0].copy(pages).write_pdf()

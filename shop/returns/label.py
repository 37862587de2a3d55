"""The return label an approved return's customer prints (B12): from them, to the shop's return
address (the seller address of the settings), the return number as a Code128 barcode, the order
number, the lines and units going back, and the instructions. The documents' page, fonts and
WeasyPrint (shop.documents.render), in the order's language: Persian right to left."""

from __future__ import annotations

from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from markupsafe import Markup

from shop.documents import codes, render
from shop.documents.render import Line
from shop.errors import ReturnRefused
from shop.i18n import text_direction, translated
from shop.returns.models import ReturnRequest, ReturnState
from shop.settings import services as settings

KIND = "return-label"
# A label exists once the return was approved; a rejected one never had one.
PRINTABLE = (ReturnState.APPROVED, ReturnState.RECEIVED, ReturnState.REFUNDED, ReturnState.EXCHANGED)


def printable(return_request: ReturnRequest) -> bool:
    return return_request.state in PRINTABLE


def filename(return_request: ReturnRequest) -> str:
    return f"return-label-{return_request.number}.pdf"


def _context(rr: ReturnRequest) -> dict:
    from shop.returns.handling import instructions_for

    order = rr.order
    locale = order.locale or "en"
    lines = [
        Line(
            sku=line.order_line.sku,
            name=translated(line.order_line.product_name, locale),
            variant=translated(line.order_line.variant_name, locale),
            quantity=line.quantity,
        )
        for line in rr.lines
    ]
    return {
        "rr": rr,
        "order": order,
        "lines": lines,
        "units": sum(line.quantity for line in lines),
        "shop": settings.current(),
        "locale": locale,
        "direction": text_direction(locale),
        "barcode": codes.code128_data_uri(rr.number),
        "instructions": instructions_for(rr),
    }


def body(return_request: ReturnRequest) -> Markup:
    with force_locale(return_request.order.locale or "en"):
        return Markup(render_template("documents/return_label.html", **_context(return_request)))


def html(return_request: ReturnRequest, *, preview: bool = False, toolbar: Markup | None = None) -> str:
    """The label's page (the PDF's markup; ``preview``: for the screen, fonts from /static)."""
    if not printable(return_request):
        raise ReturnRefused(_("A return label exists only for an approved return."), field="state")
    with force_locale(return_request.order.locale or "en"):
        title = _("Return label %(number)s", number=return_request.number)
    return render.page(KIND, [body(return_request)], preview=preview, title=title, toolbar=toolbar)


def pdf(return_request: ReturnRequest) -> bytes:
    return render.to_pdf(html(return_request))

"""Why an invoice or credit note cannot be issued, in words a shop assistant or customer reads."""

from __future__ import annotations

from flask_babel import gettext

from shop.errors import ShopError


class InvoiceRefused(ShopError):
    code = "invoice_refused"
    http_status = 409

    def describe(self) -> str:
        why = self.data.get("why")
        if why == "not_sales_order":
            return gettext("Only a confirmed order can be invoiced.")
        if why == "exchange":
            return gettext(
                "Order %(number)s replaces the goods of a return: the invoice of the first order covers it.",
                **self._names(),
            )
        if why == "already":
            return gettext("Order %(number)s has an invoice already: %(invoice)s.", **self._names())
        if why == "request_closed":
            return gettext(
                "An invoice can be requested up to %(days)s days after the order; please contact the shop.",
                days=self.data.get("days", 0),
            )
        return gettext("The invoice could not be issued.")

    def _names(self) -> dict[str, str]:
        return {"number": self.data.get("number", ""), "invoice": self.data.get("invoice", "")}


class InvalidBuyerTaxId(ShopError):
    code = "invalid_tax_id"
    field = "tax_id"
    http_status = 422

    def describe(self) -> str:
        return gettext(
            "The buyer's tax ID %(tax_id)s is not valid for %(country)s; "
            "correct it before issuing the invoice.",
            tax_id=self.data.get("tax_id", ""),
            country=self.data.get("country", ""),
        )

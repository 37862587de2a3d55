"""The customer's returns (S5): the guest's way in (order number and e-mail address, then a
link by e-mail), the return form, the return's own page, and the account's list."""

from __future__ import annotations

from shop.storefront.blueprint import bp  # noqa: F401

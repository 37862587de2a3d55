"""The customer's profile (name, phone, company data) and saved addresses (S4).

The fields' shape and rules (phone, tax ID, required address fields) are the checkout's,
checked by the storefront's forms (storefront.forms.CustomerDetailsForm); here are the rules
of the account itself: at most MAX_ADDRESSES, a country the shop ships to, exactly one default
while there is any address, and each change written to the account's history.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from flask_babel import gettext

from shop.accounts.models import AccountChange, CustomerAddress, User
from shop.errors import NotFound, ShopError
from shop.extensions import db

MAX_ADDRESSES = 20


class TooManyAddresses(ShopError):
    code = "too_many_addresses"
    http_status = 422

    def describe(self) -> str:
        return gettext(
            "You can keep at most %(count)s addresses. Delete one you no longer use first.",
            count=MAX_ADDRESSES,
        )


class CountryNotShipped(ShopError):
    code = "country_not_shipped"
    field = "country"
    http_status = 422

    def describe(self) -> str:
        return gettext("Choose a country from the list.")


@dataclass(frozen=True)
class AddressDetails:
    name: str
    phone: str  # E.164, normalised by the form
    address_line: str
    city: str
    postal_code: str
    country: str
    label: str = ""


def record_own_change(user: User, action: str, changes: dict | None = None) -> None:
    """A line in the account's history, written by its owner (``changes``: field → [before, after])."""
    db.session.add(
        AccountChange(
            by_user_id=user.id, user_id=user.id, action=action, subject=user.email, changes=changes or {}
        )
    )


def _diff(before: dict, after: dict) -> dict:
    return {key: [before[key], after[key]] for key in after if before.get(key) != after[key]}


# --- the profile ----------------------------------------------------------------------------------


def update_profile(user: User, *, name: str, phone: str, company_name: str, tax_id: str) -> User:
    """Name, phone and company data (a company name goes with its tax ID, checked by the form)."""
    fields = ("name", "phone", "company_name", "tax_id")
    before = {field: getattr(user, field) for field in fields}
    user.name, user.phone = name.strip(), phone.strip()
    user.company_name, user.tax_id = company_name.strip(), tax_id.strip()
    changes = _diff(before, {field: getattr(user, field) for field in fields})
    if changes:
        record_own_change(user, "profile_changed", changes)
    return user


# --- saved addresses ------------------------------------------------------------------------------


def addresses_of(user: User) -> list[CustomerAddress]:
    """The default first, then in the order they were added."""
    return list(
        db.session.scalars(
            db.select(CustomerAddress)
            .where(CustomerAddress.user_id == user.id)
            .order_by(CustomerAddress.is_default.desc(), CustomerAddress.id)
        )
    )


def address_of(user: User, address_id: int | None) -> CustomerAddress:
    """One of the user's own addresses; anyone else's, or none, is NotFound (a 404, like an unknown id)."""
    address = db.session.get(CustomerAddress, address_id) if address_id else None
    if address is None or address.user_id != user.id:
        raise NotFound()
    return address


def default_address(user: User) -> CustomerAddress | None:
    addresses = addresses_of(user)
    return addresses[0] if addresses else None


def _check_country(country: str) -> None:
    from shop.settings import services as settings

    if country not in settings.current().shipping_countries:
        raise CountryNotShipped()


def add_address(user: User, details: AddressDetails) -> CustomerAddress:
    """A new saved address; the first one is the default."""
    _check_country(details.country)
    count = db.session.scalar(
        db.select(db.func.count()).select_from(CustomerAddress).where(CustomerAddress.user_id == user.id)
    )
    if count >= MAX_ADDRESSES:
        raise TooManyAddresses()
    address = CustomerAddress(user_id=user.id, is_default=count == 0, **asdict(details))
    db.session.add(address)
    db.session.flush()
    record_own_change(user, "address_added", {"address": [None, address.id]})
    return address


def update_address(address: CustomerAddress, details: AddressDetails) -> CustomerAddress:
    _check_country(details.country)
    before = {field: getattr(address, field) for field in AddressDetails.__dataclass_fields__}
    for field, value in asdict(details).items():
        setattr(address, field, value)
    changes = _diff(before, asdict(details))
    if changes:
        record_own_change(address_owner(address), "address_changed", {"address": [address.id, address.id]})
    return address


def address_owner(address: CustomerAddress) -> User:
    return db.session.get(User, address.user_id)


def delete_address(address: CustomerAddress) -> None:
    """The address goes; if it was the default, the oldest remaining one becomes the default."""
    user = address_owner(address)
    was_default = address.is_default
    db.session.delete(address)
    db.session.flush()
    if was_default and (next_one := default_address(user)) is not None:
        next_one.is_default = True
    record_own_change(user, "address_deleted", {"address": [address.id, None]})


def make_default(address: CustomerAddress) -> CustomerAddress:
    user = address_owner(address)
    for other in addresses_of(user):
        other.is_default = other.id == address.id
    record_own_change(user, "default_address_changed", {"address": [None, address.id]})
    return address

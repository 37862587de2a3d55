"""Who may see what in the back office. Every view declares its roles; a refusal is a 403 page."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import abort, redirect, request, url_for
from flask_login import current_user

from shop.accounts.models import Role

BACK_OFFICE = (Role.ADMIN, Role.STAFF)
ADMIN_ONLY = (Role.ADMIN,)


def roles_required(*roles: Role) -> Callable:
    """Logged out: to the back-office login. Logged in without the role: 403."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(*args, **kwargs):
            if not current_user.is_authenticated:
                return redirect(url_for("backoffice.login", next=request.full_path.rstrip("?")), 303)
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapper

    return decorator


staff_required = roles_required(*BACK_OFFICE)
admin_required = roles_required(*ADMIN_ONLY)


def actor():
    from shop.orders.history import Actor

    return Actor.user(current_user)

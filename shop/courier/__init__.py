"""The courier's pages, phone first. For now one: where their delivery tasks will be listed.

A courier logs in at the back-office door (/admin/login) and lands here; the back office's
order pages stay closed to them (403).
"""

from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user

from shop.accounts.models import Role

bp = Blueprint("courier", __name__, url_prefix="/courier")


@bp.get("/tasks")
def tasks():
    if not current_user.is_authenticated:
        return redirect(url_for("backoffice.login", next=request.path), 303)
    if current_user.role != Role.COURIER:
        # Admins and staff have the order list; customers have nothing here.
        target = "storefront.home" if current_user.role == Role.CUSTOMER else "backoffice.orders"
        return redirect(url_for(target), 303)
    return render_template("courier/tasks.html")

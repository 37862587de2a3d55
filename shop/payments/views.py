"""Provider callbacks: signed server-to-server notifications, so no CSRF token and no session."""

from __future__ import annotations

from flask import Blueprint, jsonify, request

from shop.errors import DuplicateNotification, ShopError
from shop.extensions import csrf, db
from shop.payments import services

bp = Blueprint("payments", __name__, url_prefix="/payments")


@bp.post("/<provider_name>/notify")
@csrf.exempt
def notify(provider_name: str):
    try:
        transaction = services.handle_notification(
            provider_name, request.get_data(cache=False), request.headers
        )
    except DuplicateNotification:
        db.session.rollback()
        return jsonify(status="duplicate"), 200
    except ShopError as error:
        db.session.rollback()
        return jsonify(error=error.code, message=str(error)), error.http_status
    db.session.commit()
    return jsonify(status="ok", state=transaction.state.value), 200

"""What ``flask worker`` prints with EMAIL_TRANSPORT=log, as script/server runs it (issue 10,
item 16): each e-mail's recipient, subject and text, since that log is where e-mails go."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from flask import Flask

from shop.extensions import db
from shop.notifications.models import MessageState, OutboxMessage
from tests.factories import make_sales_order

ROOT = Path(__file__).resolve().parents[2]


def test_the_worker_prints_each_email_it_does_not_send(app: Flask):
    order = make_sales_order()
    db.session.commit()
    env = {
        **os.environ,
        "FLASK_APP": "wsgi",
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "EMAIL_TRANSPORT": "log",
        "SHOP_URL": "http://127.0.0.1:5000",
    }
    env.pop("MAIL_SERVER", None)

    done = subprocess.run(
        [str(Path(sys.executable).parent / "flask"), "worker", "--once"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    printed = done.stdout + done.stderr
    assert done.returncode == 0, printed
    db.session.expire_all()
    (message,) = db.session.scalars(db.select(OutboxMessage))
    assert message.state == MessageState.SENT
    assert "To: ayse@example.com" in printed
    assert f"Subject: Your order {order.number} at " in printed
    assert "Thank you for your order." in printed and f"Order {order.number} of " in printed

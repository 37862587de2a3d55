"""Connect invoicing to the domain events (create_app calls it; blinker keeps one connection
per receiver however often it runs)."""

from __future__ import annotations


def connect() -> None:
    from shop.invoicing import credit_notes, notifications, services

    services.connect()
    credit_notes.connect()
    notifications.connect()

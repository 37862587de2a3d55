"""Notifications: e-mail and SMS written to an outbox in the transaction that caused them,
sent later by ``flask worker``.

- ``outbox``: the OutboxMessage rows and the functions that queue them.
- ``messages``: which template an event sends; queued with a snapshot of its variables, written
  by the worker just before sending (no seller template runs in a customer's request).
- ``worker``: claims due messages, writes and sends them, retries with backoff.
- ``transports``: e-mail over SMTP (Flask-Mail) and SMS gateways (log, SMSAPI).
- ``templating``: seller-edited templates in a sandbox with hard limits, and the variables of
  each event (a package: events, sandbox, validation, isolation, rendering, e-mail HTML).
- ``sms_count``: GSM-7 / UCS-2 characters, segments and cost of an SMS.
"""

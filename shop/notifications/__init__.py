"""Notifications: e-mail and SMS written to an outbox in the transaction that caused them,
sent later by ``flask worker``.

- ``outbox``: the OutboxMessage rows and the functions that queue them.
- ``worker``: claims due messages, sends them, retries with backoff.
- ``transports``: e-mail over SMTP (Flask-Mail) and SMS gateways (log, SMSAPI).
- ``templating``: seller-edited templates in a sandbox, with the variables of each event.
- ``sms_count``: GSM-7 / UCS-2 characters, segments and cost of an SMS.
"""

"""What a transport says when it could not deliver: try again later, or give up now."""

from __future__ import annotations


class DeliveryError(Exception):
    """A message could not be handed over.

    ``retry`` tells the worker whether another attempt may succeed (a server down, a
    timeout, a rate limit) or not (a refused recipient, bad credentials, a message the
    provider will never accept).
    """

    def __init__(self, message: str, *, retry: bool) -> None:
        super().__init__(message)
        self.retry = retry


class TemporaryFailure(DeliveryError):
    def __init__(self, message: str) -> None:
        super().__init__(message, retry=True)


class PermanentFailure(DeliveryError):
    def __init__(self, message: str) -> None:
        super().__init__(message, retry=False)

"""The icrms error tree: each error knows its HTTP status and names what it is about."""

from __future__ import annotations

QUOTE_MAX = 80  # characters of a bad value that an error message repeats


def cut(text: str, limit: int = 400) -> str:
    """``text`` cut to ``limit`` characters, saying how long the whole was."""
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text):,} characters)"


def quote(value: object, limit: int = QUOTE_MAX) -> str:
    """``repr(value)`` cut to ``limit`` characters (errors never repeat a whole hostile input)."""
    return cut(repr(value), limit)


class IcrmsError(Exception):
    """Base of every error icrms raises on purpose."""

    status_code = 500

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ValidationError(IcrmsError):
    """Input that breaks a rule; the message names the field and the value."""

    status_code = 422

    def __init__(self, field: str, value: object, reason: str) -> None:
        super().__init__(f"{field}={quote(value)}: {cut(reason)}")
        self.field = field
        self.value = value
        self.reason = reason


class NotFoundError(IcrmsError):
    """A referenced object does not exist."""

    status_code = 404


class ConflictError(IcrmsError):
    """The request conflicts with what is stored."""

    status_code = 409


class AuthenticationError(IcrmsError):
    """Missing, wrong, expired or revoked credentials."""

    status_code = 401


class PermissionDeniedError(IcrmsError):
    """The caller is known but their role does not allow the operation."""

    status_code = 403


class TooManyRequestsError(IcrmsError):
    """Too many attempts in a short time (login throttling)."""

    status_code = 429

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class ServiceUnavailableError(IcrmsError):
    """A resource is busy for now (e.g. the warehouse held by another process); try again."""

    status_code = 503


class AssessmentError(IcrmsError):
    """A declaration could not be assessed; it was refused and nothing of it was stored."""

    status_code = 500


class ConfigurationError(IcrmsError):
    """Settings or environment do not allow the operation."""

    status_code = 500


class MissingExtraError(ConfigurationError):
    """An optional backend is not installed."""

    def __init__(self, what: str, extra: str) -> None:
        super().__init__(f"{what} needs the '{extra}' extra: pip install 'icrms[{extra}]'")

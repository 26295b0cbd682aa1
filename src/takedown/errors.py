"""The root of every domain error. Each has a stable `code`, mapped to HTTP once in web/."""

from __future__ import annotations


class TakedownError(Exception):
    """A domain error a caller can act on. `code` never changes once published."""

    code = "error"
    status = 400

    def __init__(self, message: str, *, field: str | None = None, **details: object) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.details = details

    def to_dict(self) -> dict[str, object]:
        body: dict[str, object] = {"code": self.code, "message": self.message}
        if self.field:
            body["field"] = self.field
        if self.details:
            body["details"] = self.details
        return body

    def headers(self) -> dict[str, str]:
        """HTTP headers the answer carries (none unless a subclass says so)."""
        return {}


class NotFound(TakedownError):
    code = "not_found"
    status = 404


class Unauthorized(TakedownError):
    code = "unauthorized"
    status = 401


class Forbidden(TakedownError):
    code = "forbidden"
    status = 403


class Conflict(TakedownError):
    code = "conflict"
    status = 409


class InvalidInput(TakedownError):
    code = "invalid_input"
    status = 422


class TooManyAttempts(TakedownError):
    code = "too_many_attempts"
    status = 429

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        retry_after: int | None = None,
        **details: object,
    ) -> None:
        super().__init__(message, field=field, **details)
        self.retry_after = retry_after

    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)} if self.retry_after else {}

from takedown.errors import NotFound, TooManyAttempts


class CaseNotFound(NotFound):
    """Same answer for an unknown case and a wrong PIN, so neither can be probed."""

    code = "case_not_found"


class StatusLocked(TooManyAttempts):
    code = "status_locked"

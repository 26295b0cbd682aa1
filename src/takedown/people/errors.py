from takedown.errors import Forbidden, TooManyAttempts, Unauthorized


class BadLogin(Unauthorized):
    code = "bad_login"


class LockedOut(TooManyAttempts):
    code = "locked_out"


class CsrfFailed(Forbidden):
    code = "csrf_failed"


class NotInQueue(Forbidden):
    code = "not_in_queue"

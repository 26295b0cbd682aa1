from takedown.errors import Conflict, InvalidInput


class SameReviewer(Conflict):
    code = "second_reviewer_required"


class CaseClosed(Conflict):
    code = "case_closed"


class ReasonRequired(InvalidInput):
    code = "reason_required"

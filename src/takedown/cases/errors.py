from takedown.errors import Conflict, Forbidden, InvalidInput


class SameReviewer(Conflict):
    code = "second_reviewer_required"


class CaseClosed(Conflict):
    code = "case_closed"


class ReasonRequired(InvalidInput):
    code = "reason_required"


class SpecialistRequired(Forbidden):
    code = "specialist_required"


class CategoryRequired(InvalidInput):
    code = "category_required"


class ClaimedByOther(Conflict):
    code = "claimed_by_other"


class NothingSelected(InvalidInput):
    code = "no_items_selected"


class ItemNotInCase(InvalidInput):
    code = "item_not_in_case"


class ItemNotLookedAt(Conflict):
    code = "item_not_looked_at"

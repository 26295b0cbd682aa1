"""The report form's errors in words a 13-year-old understands, each tied to its field.
Every message and label is a msgid of the reporters' catalogues (translated when shown)."""

from __future__ import annotations

from pydantic import ValidationError

from takedown.errors import TakedownError
from takedown.i18n import N_

FIELD_LABELS = {
    "content": N_("Links, usernames or ids"),
    "reporter_role": N_("Who are you?"),
    "minor_depicted": N_("Does it show someone under 18?"),
    "age_at_time": N_("Age"),
    "law_enforcement_case_number": N_("Police case number"),
    "statement": N_("What happened"),
    "contact": N_("E-mail or phone"),
    "take_it_down": N_("TAKE IT DOWN Act request"),
}
LABELS = {
    **FIELD_LABELS,
    "where_seen": N_("Where you saw it"),
    "tid_signature": N_("Your full name"),
    "tid_good_faith": N_("Consent"),
    "tid_identification": N_("What the image or video is"),
    "proof_of_work": N_("Report"),
}
# (field, pydantic error type) -> message; (field, None): any other error of that field.
MESSAGES = {
    ("content", "nothing_to_find"): N_(
        "Give a link, a username or an id, or tell us where you saw it."
    ),
    ("content", "too_long"): N_("You can give 50 links at most. Send the rest in a new report."),
    ("content", None): N_("One of the links is too long. Copy only the address of the post."),
    ("reporter_role", None): N_("Choose who you are. Pick the one closest to you."),
    ("minor_depicted", None): N_("Choose yes, no or I am not sure."),
    ("age_at_time", None): N_("Write the age as a number, like 13, or leave it empty."),
    ("law_enforcement_case_number", None): N_("This is too long: 200 characters at most."),
    ("statement", None): N_("This is too long: 10,000 characters at most."),
    ("contact", None): N_("This is too long. Give one e-mail address or phone number."),
    ("where_seen", None): N_("This is too long: 2,000 characters at most."),
    ("take_it_down", None): N_(
        "For a TAKE IT DOWN Act request we need a way to reach you: fill in your e-mail or "
        "phone above."
    ),
    ("tid_signature", None): N_("Write your full name: it is your signature."),
    ("tid_good_faith", None): N_("Tick the box to say you believe it was shared without consent."),
    ("tid_identification", None): N_("This is too long: 5,000 characters at most."),
}
FALLBACK = N_("Please check this.")
CROSS_SITE = {
    "field": "content",
    "label": N_("Report"),
    "message": N_(
        "This form was sent from another website's page, so we did not take it and nothing "
        "was reported. If you want to report something, fill in the form on this page."
    ),
}
NESTED = {"signature": "tid_signature", "good_faith": "tid_good_faith"}
NESTED.update(identification="tid_identification", contact="contact")


def from_validation(exc: ValidationError, *, nothing_named: bool) -> list[dict[str, str]]:
    """One error per field, in the form's order of fields. `nothing_named`: neither a link
    nor a place was given (said even when other fields fail first)."""
    found: dict[str, str] = {}
    if nothing_named:
        found["content"] = MESSAGES[("content", "nothing_to_find")]
    for err in exc.errors():
        field = _field(err["loc"], err.get("ctx") or {})
        message = MESSAGES.get((field, err["type"])) or MESSAGES.get((field, None), FALLBACK)
        found.setdefault(field, message)
    order = list(LABELS)
    return [
        {"field": f, "label": LABELS.get(f, f), "message": m}
        for f, m in sorted(
            found.items(), key=lambda fm: order.index(fm[0]) if fm[0] in order else 99
        )
    ]


def _field(loc: tuple[int | str, ...], ctx: dict[str, object]) -> str:
    if not loc:
        return str(ctx.get("field") or "content")
    head = str(loc[0])
    if head == "take_it_down" and len(loc) > 1:
        return NESTED.get(str(loc[1]), "take_it_down")
    return head if head in LABELS else "content"


def from_domain(exc: TakedownError) -> dict[str, str]:
    field = exc.field if exc.field in LABELS else "content"
    label = LABELS[field] if exc.field in LABELS else N_("Report")
    return {"field": field, "label": label, "message": exc.message}

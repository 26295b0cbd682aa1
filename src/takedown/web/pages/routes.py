"""Server-rendered pages for reporters: work without JavaScript and on a phone, in the
reporter's language. A report is never turned away for naming something we do not know."""

from __future__ import annotations

import logging

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from takedown import intake
from takedown.errors import TakedownError
from takedown.intake import ROLE_LABELS, ReportIn
from takedown.web.clients import client_key, from_other_site
from takedown.web.deps import DatabaseDep, SettingsDep
from takedown.web.pages import form_errors, sealed, status_pages
from takedown.web.pages.form_errors import CROSS_SITE, FIELD_LABELS
from takedown.web.pages.render import locale_of, public_page

router = APIRouter(include_in_schema=False)
router.include_router(status_pages.router)
log = logging.getLogger("takedown.web")

# The TAKE IT DOWN Act fieldset: a checkbox and the request's own fields, nested on input.
TAKE_IT_DOWN_FIELDS = ("tid_signature", "tid_good_faith", "tid_identification")
FORM_FIELDS = (*FIELD_LABELS, "where_seen", *TAKE_IT_DOWN_FIELDS, "proof_of_work")
RECEIPT_KEYS = (
    "case_number",
    "pin",
    "priority",
    "state",
    "protection",
    "received_at",
    "removal_due_at",
    "decision_due_at",
    "unresolved",
)


def _render_form(
    request: Request, form: dict[str, str], errors: list[dict[str, str]], status: int = 200
) -> Response:
    roles = [(role.value, label) for role, label in ROLE_LABELS.items()]
    return public_page(
        request,
        "report.html",
        {
            "form": form,
            "errors": errors,
            "bad": {e["field"]: e["message"] for e in errors},
            "roles": roles,
            "pow_bits": request.app.state.settings.report_pow_bits,
        },
        status=status,
    )


@router.get("/report", response_class=HTMLResponse)
def report_form(request: Request) -> Response:
    return _render_form(request, dict.fromkeys(FORM_FIELDS, ""), [])


@router.post("/report", response_class=HTMLResponse)
async def submit_report(request: Request, db: DatabaseDep, settings: SettingsDep) -> Response:
    raw = await request.form()
    form = {name: str(raw.get(name) or "") for name in FORM_FIELDS}
    if from_other_site(settings, request):
        log.warning("403 POST /report from another site's page (Origin or Referer)")
        # Not filled in: what another site put in the form is not offered to be sent again.
        return _render_form(request, dict.fromkeys(FORM_FIELDS, ""), [CROSS_SITE], status=403)
    try:
        data = ReportIn.model_validate(_form_to_input(form))
    except ValidationError as exc:
        nothing = not (form["content"].strip() or form["where_seen"].strip())
        errors = form_errors.from_validation(exc, nothing_named=nothing)
        return _render_form(request, form, errors, status=422)
    try:
        client = client_key(settings, request)
        receipt = await _submit(db, settings, data, request, client)
    except TakedownError as exc:
        return _render_form(request, form, [form_errors.from_domain(exc)], status=exc.status)
    # Post/redirect/get: reloading the receipt shows it again and files nothing.
    response = RedirectResponse("/receipt", status_code=303)
    sealed.put(settings, response, sealed.RECEIPT, receipt.model_dump(include=set(RECEIPT_KEYS)))
    return response


@router.get("/receipt", response_class=HTMLResponse)
def receipt_page(request: Request, settings: SettingsDep) -> Response:
    receipt = sealed.get(settings, request, sealed.RECEIPT)
    if receipt is None:
        return public_page(request, "receipt.html", {"receipt": None}, status=404)
    return public_page(
        request,
        "receipt.html",
        {
            "receipt": receipt,
            "state_label": intake.STATE_LABELS.get(str(receipt.get("state")), ""),
            "note": intake.PROTECTION_NOTES.get(str(receipt.get("protection")), ""),
            "help": settings.help_resources,
        },
    )


async def _submit(db, settings, data: ReportIn, request: Request, client: str) -> intake.Receipt:
    engine, locale = request.app.state.matcher, locale_of(request)

    def work() -> intake.Receipt:
        with db.session() as session:
            return intake.submit_report(
                session, settings, data, "form", engine=engine, client=client, locale=locale
            )

    return await run_in_threadpool(work)


def _form_to_input(form: dict[str, str]) -> dict[str, object]:
    nested = ("take_it_down", *TAKE_IT_DOWN_FIELDS)
    data: dict[str, object] = {k: v for k, v in form.items() if v.strip() and k not in nested}
    data["content"] = [line for line in form["content"].splitlines() if line.strip()]
    if "age_at_time" in data:
        age = form["age_at_time"].strip()
        small = age.isascii() and age.isdigit() and len(age) <= 3  # no int of 5,000 digits
        data["age_at_time"] = int(age) if small else age
    if form.get("take_it_down") == "yes":
        data["take_it_down"] = {
            "signature": form["tid_signature"],
            "good_faith": form["tid_good_faith"] == "yes",
            "identification": form["tid_identification"],
        }
    return data

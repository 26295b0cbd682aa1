"""Server-rendered pages for reporters: work without JavaScript and on a phone."""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from takedown import intake
from takedown.errors import TakedownError
from takedown.intake.schemas import ROLE_LABELS, ReportIn
from takedown.web.clients import client_key, from_other_site
from takedown.web.deps import DatabaseDep, SettingsDep
from takedown.web.pages.render import templates

router = APIRouter(include_in_schema=False)
log = logging.getLogger("takedown.web")

FIELD_LABELS = {
    "content": "Links or ids",
    "reporter_role": "Who are you?",
    "minor_depicted": "Does it show someone under 18?",
    "age_at_time": "Age",
    "law_enforcement_case_number": "Police case number",
    "statement": "What happened",
    "contact": "Contact",
    "take_it_down": "TAKE IT DOWN Act request",
}
# The TAKE IT DOWN Act fieldset: a checkbox and the request's own fields, nested on input.
TAKE_IT_DOWN_FIELDS = ("tid_signature", "tid_good_faith", "tid_identification")
FORM_FIELDS = (*FIELD_LABELS, *TAKE_IT_DOWN_FIELDS, "proof_of_work")
CROSS_SITE = {
    "field": "content",
    "label": "Report",
    "message": "this form was sent from another website's page, so we did not take it and "
    "nothing was reported. If you want to report something, fill in the form on this page.",
}


def _render_form(
    request: Request, form: dict[str, str], errors: list[dict[str, str]], status: int = 200
) -> Response:
    roles = [(role.value, label) for role, label in ROLE_LABELS.items()]
    return templates.TemplateResponse(
        request,
        "report.html",
        {
            "form": form,
            "errors": errors,
            "bad": {e["field"] for e in errors},
            "roles": roles,
            "pow_bits": request.app.state.settings.report_pow_bits,
        },
        status_code=status,
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
        return _render_form(request, form, _errors_from(exc), status=422)
    try:
        client = client_key(settings, request)
        receipt = await _submit(db, settings, data, request.app.state.matcher, client)
    except TakedownError as exc:
        error = {
            "field": exc.field or "content",
            "label": FIELD_LABELS.get(exc.field or "", "Report"),
            "message": exc.message,
        }
        return _render_form(request, form, [error], status=exc.status)
    return templates.TemplateResponse(
        request, "receipt.html", {"receipt": receipt}, status_code=201
    )


async def _submit(db, settings, data: ReportIn, engine, client: str) -> intake.Receipt:  # type: ignore[no-untyped-def]
    from starlette.concurrency import run_in_threadpool

    def work() -> intake.Receipt:
        with db.session() as session:
            return intake.submit_report(
                session, settings, data, channel="form", engine=engine, client=client
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


def _errors_from(exc: ValidationError) -> list[dict[str, str]]:
    errors = []
    for err in exc.errors():
        field = str(err["loc"][0]) if err["loc"] else "content"
        message = "please fill this in" if err["type"] == "missing" else err["msg"]
        if err["type"] == "too_short" and field == "content":
            message = "please give at least one link or id"
        errors.append({"field": field, "label": FIELD_LABELS.get(field, field), "message": message})
    return errors


@router.get("/status", response_class=HTMLResponse)
def status_form(request: Request, case: str = "") -> Response:
    return templates.TemplateResponse(request, "status.html", {"case_number": case})


@router.post("/status", response_class=HTMLResponse)
def status_page(
    request: Request,
    db: DatabaseDep,
    settings: SettingsDep,
    case_number: Annotated[str, Form()] = "",
    pin: Annotated[str, Form()] = "",
) -> Response:
    context: dict[str, object] = {"case_number": case_number}
    client = client_key(settings, request)
    try:
        with db.session() as session:
            context["status"] = intake.status(session, settings, case_number, pin, client=client)
    except TakedownError as exc:
        context["error"] = exc.message
        return templates.TemplateResponse(
            request, "status.html", context, status_code=exc.status, headers=exc.headers()
        )
    return templates.TemplateResponse(request, "status.html", context)

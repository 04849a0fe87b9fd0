"""The QĐ 766 report page: filters, the three rates, charts, breakdowns, drill-down, exports.

Clerks and supervisors see their unit and the units below it, admins any unit
(:mod:`web.report_scope` refuses the rest on every route). Every number links to
the dossiers behind it (:func:`register.drilldown.dossiers_behind`). Charts are
inline SVG drawn here (:mod:`web.charts`). Exports: XLSX and CSV with Vietnamese
headers, and a printable PDF (fpdf2, DejaVu Sans) with the agency, period and date.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from sohoa.i18n import N_
from sohoa.register.drilldown import MEASURES, Scope, dossiers_behind
from sohoa.register.export import csv_bytes, xlsx_bytes
from sohoa.register.report import Report, digitisation_report
from sohoa.register.report_pdf import report_pdf
from sohoa.storage.accounts import User
from sohoa.web.auth import require_user
from sohoa.web.charts import bar_chart, line_chart
from sohoa.web.context import web_of
from sohoa.web.lang import translate
from sohoa.web.report_scope import Filters, allowed_units, filters
from sohoa.web.templating import render

router = APIRouter(prefix="/reports")
ReportUser = Annotated[User, Depends(require_user("clerk", "supervisor"))]

#: What each drill-down lists, as the page titles it.
MEASURE_TITLES = {
    "received": N_("Dossiers received"),
    "digitised": N_("Digitised dossiers"),
    "not_digitised": N_("Dossiers not digitised"),
    "paper": N_("Dossiers with a paper result"),
    "result_digitised": N_("Dossiers whose result is digitised"),
    "reused": N_("Dossiers with a reused component"),
}
EXPORTS = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
    "pdf": "application/pdf",
}


@router.get("")
def report_page(request: Request, user: ReportUser) -> Response:
    chosen = filters(request, user)
    report = _report(request, chosen)
    na = translate(request, "N/A")
    return render(
        request,
        "report.html",
        f=chosen,
        report=report,
        units=allowed_units(request, user),
        problem=_problem(request, chosen),
        unit_chart=bar_chart(
            translate(request, "Dossier digitisation rate per unit (%)"),
            [
                (f"{x.key} {x.label}" if x.label != x.key else x.key, x.digitisation.rate)
                for x in report.by_unit
            ],
            na,
        ),
        month_chart=line_chart(
            translate(request, "The last 12 months (%)"),
            [m.key for m in report.trend],
            [
                (
                    translate(request, "Dossier digitisation"),
                    [m.digitisation.rate for m in report.trend],
                ),
                (
                    translate(request, "Electronic result"),
                    [m.electronic_result.rate for m in report.trend],
                ),
                (translate(request, "Reuse"), [m.reuse.rate for m in report.trend]),
            ],
        ),
    )


@router.get("/dossiers")
def drilldown_page(request: Request, user: ReportUser) -> Response:
    chosen = filters(request, user)
    params = request.query_params
    measure = params.get("measure", "received")
    if measure not in MEASURES:
        measure = "received"
    scope = Scope(
        chosen.unit,
        chosen.start,
        chosen.end,
        sub_unit=(params.get("sub_unit") or "").strip().upper() or None,
        procedure=params.get("procedure") or None,
        month=params.get("month") or None,
    )
    after = _after(params.get("after"))
    page = dossiers_behind(web_of(request).catalog(), scope, measure, after)  # type: ignore[arg-type]
    more = None
    if page.next_after:
        more = "?" + chosen.query(
            measure=measure,
            sub_unit=scope.sub_unit,
            procedure=scope.procedure,
            month=scope.month,
            after=f"{page.next_after[0].isoformat()}/{page.next_after[1]}",
        )
    return render(
        request,
        "report_dossiers.html",
        f=chosen,
        scope=scope,
        title=translate(request, MEASURE_TITLES[measure]),
        items=page.items,
        more=more,
    )


@router.get("/export.xlsx")
def export_xlsx(request: Request, user: ReportUser) -> Response:
    return _export(request, user, "xlsx")


@router.get("/export.csv")
def export_csv(request: Request, user: ReportUser) -> Response:
    return _export(request, user, "csv")


@router.get("/export.pdf")
def export_pdf(request: Request, user: ReportUser) -> Response:
    return _export(request, user, "pdf")


def _export(request: Request, user: User, kind: str) -> Response:
    chosen = filters(request, user)
    report = _report(request, chosen)
    body = {"xlsx": xlsx_bytes, "csv": csv_bytes, "pdf": report_pdf}[kind](report)
    name = f"bao-cao-so-hoa_{chosen.unit}_{chosen.start:%Y%m%d}-{chosen.end:%Y%m%d}.{kind}"
    return Response(
        body,
        media_type=EXPORTS[kind],
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def _report(request: Request, chosen: Filters) -> Report:
    return digitisation_report(web_of(request).catalog(), chosen.unit, chosen.start, chosen.end)


def _problem(request: Request, chosen: Filters) -> str:
    if chosen.problem == "dates":
        return translate(request, "A date could not be read: write it as dd/mm/yyyy.")
    if chosen.problem == "order":
        return translate(request, "The period ended before it began: the dates were swapped.")
    return ""


def _after(text: str | None) -> tuple[date, str] | None:
    if not text:
        return None
    day, _, code = text.partition("/")
    try:
        return date.fromisoformat(day), code
    except ValueError:
        return None

"""The managers' dashboard: the usage report as charts and tables, and its exports."""

from __future__ import annotations

import datetime as dt
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from channels.reporting import export_for, full_report
from channels.web import charts
from channels.web import messages as text
from channels.web.security import refuse
from channels.web.site import Site, blocking
from channels.web.skills_pages import skills_charts
from usage.report import Period, percent


def drawn(report: dict[str, Any]) -> dict[str, str]:
    """The report's charts, drawn as SVG on the server."""
    return {
        "per_day": charts.columns([(d["day"], d["questions"]) for d in report["per_day"]],
                                  "Questions per day"),
        "status": charts.bars([(s.replace("_", " "), n)
                               for s, n in report["status_mix"].items()], "Status",
                              colours={k.replace("_", " "): v
                                       for k, v in charts.BAR_COLOURS.items()}),
        "surface": charts.bars(sorted(report["per_surface"].items()), "By surface"),
        "documents": charts.bars([(d["title"], d["citations"])
                                  for d in report["top_documents"]], "Most cited"),
        "latency": charts.bars([(k, v) for k, v in (
            ("median", report["latency_ms"]["p50"]),
            ("95th percentile", report["latency_ms"]["p95"])) if v is not None],
            "Latency", unit=" ms"),
    }


class DashboardPages:
    def __init__(self, site: Site) -> None:
        self.site = site

    def routes(self) -> list[BaseRoute]:
        return [Route("/dashboard", self.dashboard),
                Route("/dashboard/export.{kind:str}", self.export)]

    def managers_period(self, request: Request) -> tuple[Period, str, str] | Response:
        """The dates asked for (the last 30 days by default), or why the page is refused."""
        if refused := refuse(request, ("manager",), self.site.forbidden):
            return refused
        try:
            until = request.query_params.get("until") or dt.date.today().isoformat()
            since = request.query_params.get("since") or (
                dt.date.fromisoformat(until) - dt.timedelta(days=29)).isoformat()
            return Period.parse(since, until), since, until
        except (ValueError, OverflowError) as exc:
            reason = str(exc) if isinstance(exc, ValueError) else text.DATES_OUT_OF_RANGE
            return self.site.message(request, text.CHECK_THE_DATES, reason, 400)

    async def dashboard(self, request: Request) -> Response:
        asked = self.managers_period(request)
        if isinstance(asked, Response):
            return asked
        period, since, until = asked
        site = self.site
        report = await blocking(full_report, site.usage, site.assistant, period,
                                await site.reader(request))
        skills = report.get("skills")
        return site.page(request, "dashboard.html", r=report, charts=drawn(report),
                         since=since, until=until, pct=percent, skills=skills,
                         skills_charts=skills_charts(skills) if skills else None)

    async def export(self, request: Request) -> Response:
        asked = self.managers_period(request)
        if isinstance(asked, Response):
            return asked
        period, since, until = asked
        site = self.site
        kind = request.path_params["kind"]
        if kind not in ("csv", "json"):
            return site.message(request, *text.NO_SUCH_EXPORT, 404)
        await site.audit(request, "export", f"dashboard {kind}", period.as_dict())
        name = f"guide-usage-{since}-to-{until}.{kind}"
        headers = {"Content-Disposition": f'attachment; filename="{name}"'}
        if kind == "csv":
            body = await blocking(export_for, site.usage, site.assistant, period,
                                  await site.reader(request))
            return Response(body, media_type="text/csv; charset=utf-8", headers=headers)
        report = await blocking(full_report, site.usage, site.assistant, period,
                                await site.reader(request))
        return JSONResponse(report, headers=headers)

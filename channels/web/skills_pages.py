"""The skills pages: a person's private skills check (``/skills``), their record (printable,
PDF, JSON; deletable), the documents a gap links to, and the skills-gap view for managers and
trainers (``/skills/gaps``, also drawn on the dashboard through ``skills_charts``).

Whose record: the signed-in account, else the visitor's session id, pseudonymised exactly as
the usage log pseudonymises askers. No route takes a person from the URL or a form, so no one,
manager or not, can ask for anyone's record but their own.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from fpdf import FPDF
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from assistant.skills import messages as msg
from assistant.skills.check import RatingError, gaps, parse_ratings, record_as_dict
from assistant.skills.framework import Framework, FrameworkError, current_framework
from channels.reporting import document_finder, skills_report
from channels.web import charts
from channels.web.security import csrf_ok, current_user, refuse, visitor_id
from channels.web.site import Site, blocking
from config.audiences import may_read
from usage.accounts import SESSION_LIFETIME
from usage.report import Period
from usage.skills import SkillsRecords

PASSAGES = 200  # a document page shows at most this many passages


def skills_charts(view: dict[str, Any]) -> dict[str, str]:
    """The skills-gap view's charts (SVG), for /skills/gaps and the dashboard."""
    levels = [lv["name"] for lv in view["levels"]]
    areas = [a["name"] for a in view["areas"]]
    cells: dict[tuple[str, str], float | None] = {
        (c["area_name"], c["level_name"]): c["mean_gap"] for c in view["ratings"]["cells"]}
    months = view["months"]
    asked = {(a["name"], m): float(a["by_month"].get(m, 0)) for a in view["areas"]
             for m in months}
    return {
        "ratings": charts.heatmap(areas, levels, cells,
                                  "Self-rated gap (need minus now) by area and level",
                                  hidden=f"<{view['ratings']['min_group']} people"),
        "asked": charts.heatmap(areas, months, asked, "Questions by skill area and month"),
        "failed": charts.bars([(a["name"], a["unanswered"] + a["unhelpful"])
                               for a in view["areas"]], "Unanswered or unhelpful, by area"),
    }


class SkillsPages:
    def __init__(self, site: Site) -> None:
        self.site = site
        self.settings = site.settings
        self.assistant = site.assistant
        self.usage = site.usage
        self.records = SkillsRecords(site.usage.engine, site.usage.pseudonymise)

    def routes(self) -> list[BaseRoute]:
        return [
            Route("/skills", self.check_page, methods=["GET"]),
            Route("/skills", self.save, methods=["POST"]),
            Route("/skills/record", self.record_page),
            Route("/skills/record.json", self.record_json),
            Route("/skills/record.pdf", self.record_pdf),
            Route("/skills/record/delete", self.delete, methods=["POST"]),
            Route("/skills/documents/{doc_id:str}", self.document),
            Route("/skills/gaps", self.gaps_page),
        ]

    # -- helpers --------------------------------------------------------------------------
    def page(self, request: Request, name: str, status_code: int = 200, **context: Any
             ) -> Response:
        return self.site.page(request, name, status_code, **context)

    def message(self, request: Request, heading: str, text: str, status_code: int) -> Response:
        return self.site.message(request, heading, text, status_code)

    def person(self, request: Request) -> str:
        """The pseudonym of whoever is asking: their account, else this browser session."""
        user = current_user(request)
        return self.records.person("web", user["email"] if user else visitor_id(request))

    def framework(self) -> Framework:
        return current_framework(self.settings.data_dir)

    def find_document(self, audiences: frozenset[str]) -> Any:
        return document_finder(self.assistant.kb, audiences)

    # -- the check (each handler's database and file work runs in the threadpool) ----------
    def check_context(self, person: str, audiences: frozenset[str]) -> dict[str, Any]:
        framework = self.framework()
        held = self.records.get(person)
        ratings = held.ratings if held else {}
        return {"framework": framework, "ratings": ratings,
                "team": held.team if held else None,
                "gaps": gaps(framework, ratings, self.find_document(audiences))}

    async def check_page(self, request: Request, error: str | None = None,
                         status_code: int = 200) -> Response:
        try:
            context = await blocking(self.check_context, self.person(request),
                                     await self.site.reader(request))
        except FrameworkError as exc:
            return self.message(request, "The skills framework has a problem", str(exc), 500)
        return self.page(request, "skills.html", status_code, teams=self.settings.skills_teams,
                         error=error, intro=msg.INTRO, m=msg,
                         privacy=msg.PRIVACY.format(min_group=self.settings.skills_min_group),
                         **context)

    def save_ratings(self, person: str, form: dict[str, str], team: str | None,
                     anonymous: bool) -> int:
        """Raises RatingError for ratings that don't fit the framework; saves nothing then.
        A visitor's record (not signed in) is never counted and goes with their session."""
        framework = self.framework()
        rated = parse_ratings(framework, form)
        self.records.forget_anonymous(SESSION_LIFETIME)
        self.records.save(person, [
            (r.statement_id, framework.statements[r.statement_id][0].id,
             framework.statements[r.statement_id][1].level, r.now, r.need) for r in rated],
            team=team, anonymous=anonymous)
        return len(rated)

    async def save(self, request: Request) -> Response:
        form = await request.form()
        if not csrf_ok(request, form):
            return self.site.bad_csrf(request)
        team = str(form.get("team") or "").strip() or None
        if team not in (None, *self.settings.skills_teams):
            team = None
        fields = {k: str(v) for k, v in form.items() if isinstance(v, str)}
        try:
            saved = await blocking(self.save_ratings, self.person(request), fields, team,
                                   current_user(request) is None)
        except RatingError as exc:
            return await self.check_page(request, error=str(exc), status_code=400)
        self.site.flash(request, msg.SAVED.format(count=saved))
        return RedirectResponse("/skills#gaps", 303)

    # -- the record -----------------------------------------------------------------------
    def record(self, person: str, audiences: frozenset[str]) -> dict[str, Any] | None:
        held = self.records.get(person)
        if held is None:
            return None
        stamp = held.updated_at.isoformat(timespec="seconds") if held.updated_at else None
        return record_as_dict(self.framework(), held.ratings, stamp,
                              self.find_document(audiences))

    async def record_page(self, request: Request) -> Response:
        record = await blocking(self.record, self.person(request),
                                await self.site.reader(request))
        return self.page(request, "skills_record.html", record=record, m=msg)

    async def record_json(self, request: Request) -> Response:
        record = await blocking(self.record, self.person(request),
                                await self.site.reader(request))
        if record is None:
            return JSONResponse({"error": msg.NO_RECORD}, status_code=404)
        return JSONResponse(record, headers={
            "Content-Disposition": 'attachment; filename="my-skills-record.json"'})

    async def record_pdf(self, request: Request) -> Response:
        record = await blocking(self.record, self.person(request),
                                await self.site.reader(request))
        if record is None:
            return self.message(request, "No record", msg.NO_RECORD, 404)
        body = await blocking(record_pdf, record)
        return Response(body, media_type="application/pdf", headers={
            "Content-Disposition": 'attachment; filename="my-skills-record.pdf"'})

    async def delete(self, request: Request) -> Response:
        form = await request.form()
        if not csrf_ok(request, form):
            return self.site.bad_csrf(request)
        gone = await blocking(self.records.delete, self.person(request))
        self.site.flash(request, msg.DELETED if gone else msg.NOTHING_TO_DELETE)
        return RedirectResponse("/skills", 303)

    # -- documents a gap links to ---------------------------------------------------------
    def passages(self, doc_id: str, audiences: frozenset[str]
                 ) -> tuple[Any, list[dict[str, Any]]]:
        """The document's passages, for a reader who may read it; a document they may not
        read is answered exactly as an unknown id, so its existence is not given away."""
        entry = next((e for e in self.assistant.kb.catalog.current() if e.doc_id == doc_id),
                     None)
        if entry is None or not may_read(entry.policy.get("audience"), audiences):
            return None, []
        got = self.assistant.kb.collection.get(where={"source": entry.source},
                                               include=["documents", "metadatas"],
                                               limit=PASSAGES)
        ordered = sorted(zip(got["documents"], got["metadatas"], strict=True),
                         key=lambda p: int(p[1].get("chunk_index") or 0))
        return entry, [{"heading": meta.get("heading_path") or "", "page": meta.get("page"),
                        "text": text} for text, meta in ordered]

    async def document(self, request: Request) -> Response:
        doc_id = request.path_params["doc_id"]
        entry, passages = await blocking(self.passages, doc_id, await self.site.reader(request))
        if entry is None:
            return self.message(request, "Not in the knowledge base",
                                f"No current document has the id {doc_id!r}.", 404)
        return self.page(request, "skills_document.html", entry=entry, passages=passages)

    # -- managers and trainers: the skills-gap view ----------------------------------------
    async def gaps_page(self, request: Request) -> Response:
        if refused := refuse(request, ("manager", "trainer"), self.site.forbidden):
            return refused
        try:
            until = request.query_params.get("until") or dt.date.today().isoformat()
            since = request.query_params.get("since") or (
                dt.date.fromisoformat(until) - dt.timedelta(days=89)).isoformat()
            period = Period.parse(since, until)
        except ValueError as exc:
            return self.message(request, "Check the dates", str(exc), 400)
        view = await blocking(skills_report, self.usage, self.assistant, period)
        return self.page(request, "skills_gaps.html", skills=view,
                         skills_charts=skills_charts(view), since=since, until=until)


def latin1(text: Any) -> str:
    """fpdf2's core fonts are Latin-1: typographic quotes and dashes become plain ones."""
    table = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"', "–": "-", "—": "-",
                           "…": "..."})
    return str(text if text is not None else "").translate(table).encode(
        "latin-1", "replace").decode("latin-1")


def record_pdf(record: dict[str, Any]) -> bytes:
    pdf = FPDF(format="A4")
    pdf.set_title("My skills record")
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 16)
    pdf.cell(0, 10, "My skills record", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=10)
    pdf.multi_cell(0, 5, latin1(f"{record['framework']} (version {record['framework_version']})"
                                f", updated {record['updated_at'] or '-'}"),
                   new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    if record["gaps"]:
        pdf.set_font("Helvetica", "B", 12)
        pdf.cell(0, 8, latin1(msg.TOP_GAPS), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", size=10)
        for gap in record["gaps"]:
            docs = "; ".join(d["title"] for d in gap["documents"])
            pdf.multi_cell(0, 5, latin1(f"- {gap['statement']} ({gap['area']}, {gap['level']})"
                                        f": now {gap['now_label']}, need {gap['need_label']}"
                                        + (f". Read: {docs}" if docs else "")),
                           new_x="LMARGIN", new_y="NEXT")
        pdf.ln(3)
    pdf.set_font("Helvetica", "B", 12)
    pdf.cell(0, 8, "All my ratings", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=9)
    with pdf.table(col_widths=(30, 20, 90, 25, 25), text_align="LEFT") as table:
        table.row(["Area", "Level", "Statement", msg.NOW, msg.NEED])
        for r in record["ratings"]:
            table.row([latin1(v) for v in (r["area"], r["level"], r["statement"],
                                           r["now_label"], r["need_label"])])
    return bytes(pdf.output())

"""The skills-gap view for managers and trainers: the usage log's skills figures read against
the framework (names, levels, the documents its statements link to) and turned into a
training-needs list. Nothing here can reach a person's ratings: only ``usage.skills``'s
k-anonymous aggregates come in."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from sqlalchemy.engine import Engine

from assistant.skills.check import FindDocument
from assistant.skills.framework import Framework
from usage.skills import MIN_GROUP, skills_figures

NEEDS = 8
Nearest = Callable[[str], dict[str, Any] | None]


def skills_view(framework: Framework, engine: Engine, since: dt.datetime, until: dt.datetime,
                find_document: FindDocument | None = None, nearest: Nearest | None = None,
                min_group: int = MIN_GROUP) -> dict[str, Any]:
    figures = skills_figures(engine, since, until, min_group)
    names = {a.id: a.name for a in framework.areas}
    ratings = figures["ratings"]
    for cell in ratings["cells"]:
        cell["area_name"] = names.get(cell["area"], cell["area"])
        cell["level_name"] = framework.level_name(cell["level"])
    for row in ratings["teams"]:
        row["area_name"] = names.get(row["area"], row["area"])
    area_ids = list(names) + sorted(set(figures["questions"]) - set(names))
    months = sorted({m for f in figures["questions"].values() for m in f["by_month"]})
    areas = []
    for area_id in area_ids:
        asked = figures["questions"].get(area_id, {})
        cells = [c for c in ratings["cells"] if c["area"] == area_id]
        people = sum(c["people"] for c in cells)
        areas.append({
            "id": area_id, "name": names.get(area_id, area_id),
            "asked": asked.get("asked", 0), "unanswered": asked.get("unanswered", 0),
            "unhelpful": asked.get("unhelpful", 0),
            "by_month": {m: asked.get("by_month", {}).get(m, 0) for m in months},
            # weighted over the cells shown (each of at least min_group people)
            "self_rated_gap": round(sum(c["mean_gap"] * c["people"] for c in cells) / people, 2)
            if people else None})
    return {"framework": framework.name, "period": {"since": since.isoformat(timespec="seconds"),
                                                   "until": until.isoformat(timespec="seconds")},
            "levels": [{"id": lv.id, "name": lv.name} for lv in framework.levels],
            "months": months, "areas": areas, "walkthroughs": figures["walkthroughs"],
            "ratings": ratings,
            "training_needs": training_needs(framework, areas, figures, find_document, nearest)}


def training_needs(framework: Framework, areas: list[dict[str, Any]], figures: dict[str, Any],
                   find_document: FindDocument | None, nearest: Nearest | None
                   ) -> list[dict[str, Any]]:
    """Areas where staff struggle, worst first: what they asked that failed, the self-rated
    gap, the documents that would help (linked from the framework, or cited for the area) and
    the linked documents that are missing from the knowledge base."""
    stuck_by_doc: dict[str, int] = {}
    for step in figures["walkthroughs"]["steps"]:
        stuck_by_doc[step["doc_id"]] = stuck_by_doc.get(step["doc_id"], 0) + step["stuck"]
    needs = []
    for area in areas:
        failed = area["unanswered"] + area["unhelpful"]
        gap = area["self_rated_gap"] or 0.0
        framework_area = framework.area(area["id"])
        linked = list(dict.fromkeys(d for s in (framework_area.statements if framework_area
                                                else []) for d in s.documents))
        stuck = sum(stuck_by_doc.get(d, 0) for d in linked)
        if not failed and gap < 1 and not stuck:
            continue
        helpful, missing = [], []
        for doc_id in linked:
            entry = find_document(doc_id) if find_document else {"doc_id": doc_id,
                                                                 "title": doc_id}
            (helpful.append(entry) if entry else missing.append(doc_id))
        for cited in figures["cited"].get(area["id"], []):
            entry = find_document(cited["doc_id"]) if find_document else None
            if all(h["doc_id"] != cited["doc_id"] for h in helpful):  # a removed one too
                helpful.append(entry or {"doc_id": cited["doc_id"], "title": cited["doc_id"]})
        examples = figures["failed"].get(area["id"], [])
        # what nearly answers the questions the guidance did not cover
        near = nearest(examples[0]["question"]) if nearest and examples \
            and area["unanswered"] else None
        needs.append({"area": area["id"], "name": area["name"], "failed_questions": failed,
                      "unanswered": area["unanswered"], "unhelpful": area["unhelpful"],
                      "self_rated_gap": area["self_rated_gap"], "walkthrough_stuck": stuck,
                      "examples": examples, "helpful_documents": helpful,
                      "missing_documents": missing, "nearest_document": near,
                      "needs_new_guidance": area["unanswered"] > 0})
    needs.sort(key=lambda n: (-n["failed_questions"], -(n["self_rated_gap"] or 0),
                              -n["walkthrough_stuck"], n["area"]))
    return needs[:NEEDS]


def skills_markdown(view: dict[str, Any]) -> str:
    """The skills-gap view as a section of ``guide report``'s Markdown."""
    ratings = view["ratings"]
    lines = ["", "## Digital skills", "",
             "Questions by skill area (tagged by similarity to the framework's statements); "
             f"self-ratings only over groups of at least {ratings['min_group']} people.", "",
             "| area | questions | unanswered | unhelpful | self-rated gap |",
             "|---|---|---|---|---|"]
    lines += [f"| {a['name']} | {a['asked']} | {a['unanswered']} | {a['unhelpful']} | "
              f"{a['self_rated_gap'] if a['self_rated_gap'] is not None else '–'} |"
              for a in view["areas"]]
    people = f"{ratings['people']}+" if ratings["people"] else \
        f"fewer than {ratings['min_group']}"
    lines += ["", f"People who rated themselves: {people} (figures as of {ratings['as_of']}, "
              "rounded; a group's figures change only when enough of its people changed).", "",
              "### Walkthrough steps where staff get stuck", ""]
    steps = view["walkthroughs"]["steps"]
    if steps:
        lines += ["| walkthrough | step | reached | stuck | stuck rate |", "|---|---|---|---|---|"]
        lines += [f"| {s['title']} | {s['step']} | {s['shown']} | {s['stuck']} | "
                  f"{'–' if s['stuck_rate'] is None else format(s['stuck_rate'], '.0%')} |"
                  for s in steps[:10]]
    else:
        lines.append("None recorded.")
    lines += ["", "### Training needs", ""]
    for need in view["training_needs"]:
        docs = "; ".join(d["title"] for d in need["helpful_documents"]) or "none"
        lines.append(f"- **{need['name']}**: {need['failed_questions']} failed questions "
                     f"({need['unanswered']} unanswered, {need['unhelpful']} unhelpful); "
                     f"documents that help: {docs}")
        lines += [f"  - “{e['question']}” ({e['times']})" for e in need["examples"]]
        if need["missing_documents"]:
            lines.append(f"  - missing from the knowledge base: "
                         f"{', '.join(need['missing_documents'])}")
        if need["needs_new_guidance"]:
            lines.append("  - some of these questions are not covered by any guidance")
    if not view["training_needs"]:
        lines.append("None in this period.")
    return "\n".join(lines) + "\n"

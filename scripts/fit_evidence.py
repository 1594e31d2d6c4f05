"""Refit the evidence model (assistant/defaults/evidence.json) on the dev sets of two corpora.

    .venv/bin/python scripts/fit_evidence.py --index-root DIR [--evaldata DIR] [--write]

For every dev row that reaches the evidence check, the signals of ``assistant.evidence`` are
measured with the real model over a persistent index of that row's corpus (built or updated
incrementally under --index-root), labelled answerable (expected ``answered`` or
``need_more_detail``) or not (``cannot_answer``), and a logistic regression is fitted on both
sets together. It prints in-sample figures, the figures when trained on one set and tested on
the other, stratified k-fold figures, and the same with each signal left out in turn; then
it keeps the signals that backward elimination on 5-fold accuracy keeps (a signal goes while
leaving it out raises that accuracy) and fits those.
Nothing is fitted to single rows: five signals, one weight each, and a threshold set by a
stated cost, not by rows: an answer quoted from passages that do not answer misleads staff,
so it counts --wrong-answer-cost times a refusal that sends them to a person (answer when
p >= cost / (1 + cost); 3 gives 0.75).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.evidence import FEATURES, EvidenceModel  # noqa: E402
from bench.evaluate import GoldSet, dev_sets, open_indexed  # noqa: E402

OUT = ROOT / "assistant" / "defaults" / "evidence.json"


def collect(gold: GoldSet, index_root: Path) -> list[dict]:
    """The signals of each row that reaches the evidence check, with its label."""
    return measure(open_indexed(gold, index_root / f"eval-{gold.name}"), gold.name,
                   gold.rows())


def measure(assistant, name: str, gold_rows) -> list[dict]:
    rows = []
    for row in gold_rows:
        expected = set(row.statuses)
        if expected <= {"answered", "need_more_detail"}:
            label = 1
        elif expected == {"cannot_answer"}:
            label = 0
        else:
            continue  # blocked / talk_to_a_person / either: not an evidence question
        answer = assistant.ask(row.question, history=row.earlier)
        if not answer.evidence:
            continue  # decided before the evidence check (e.g. too vague)
        rows.append({"set": name, "id": row.id, "label": label,
                     **{f: answer.evidence.get(f) for f in FEATURES}})
    return rows


def matrix(rows: list[dict], features: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
    x = np.array([[np.nan if r[f] is None else r[f] for f in features] for r in rows], float)
    means = np.nanmean(x, axis=0)
    x = np.where(np.isnan(x), means, x)
    return x, np.array([r["label"] for r in rows])


def fit(x: np.ndarray, y: np.ndarray):
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    # balanced: far fewer unanswerable rows than answerable ones in the dev sets
    model = make_pipeline(StandardScaler(), LogisticRegression(C=1.0))
    return model.fit(x, y)


THRESHOLD = 0.5  # set from --wrong-answer-cost in main()


def figures(y: np.ndarray, predicted: np.ndarray) -> dict[str, float]:
    pos, neg = y == 1, y == 0
    return {"accuracy": round(float((predicted == y).mean()), 3),
            "answerable_kept": round(float(predicted[pos].mean()), 3) if pos.any() else None,
            "unanswerable_refused": round(float(1 - predicted[neg].mean()), 3)
            if neg.any() else None,
            "rows": len(y)}


def cross_validated(rows: list[dict], features: tuple[str, ...], folds: int = 5
                    ) -> dict[str, dict]:
    from sklearn.model_selection import StratifiedKFold

    x, y = matrix(rows, features)
    sets = np.array([r["set"] for r in rows])
    def decide(model, rows_x: np.ndarray) -> np.ndarray:
        return (model.predict_proba(rows_x)[:, 1] >= THRESHOLD).astype(int)

    out = {"in_sample": figures(y, decide(fit(x, y), x))}
    for held in sorted(set(sets)):
        train, test = sets != held, sets == held
        out[f"train_other_test_{held}"] = figures(y[test], decide(fit(x[train], y[train]),
                                                                  x[test]))
    predicted = np.zeros_like(y)
    for train, test in StratifiedKFold(folds, shuffle=True, random_state=0).split(x, y):
        predicted[test] = decide(fit(x[train], y[train]), x[test])
    out[f"{folds}_fold"] = figures(y, predicted)
    return out


def select(rows: list[dict], folds: int = 5) -> tuple[tuple[str, ...], list[dict]]:
    """Backward elimination on k-fold accuracy: leave out a signal while doing so raises it
    (a signal that only fits the rows it was fitted on goes). Returns the kept signals and
    each step taken."""
    kept = FEATURES
    best = cross_validated(rows, kept, folds)[f"{folds}_fold"]["accuracy"]
    steps = [{"kept": list(kept), f"{folds}_fold_accuracy": best}]
    while len(kept) > 1:
        tried = {f: cross_validated(rows, tuple(k for k in kept if k != f), folds)
                 [f"{folds}_fold"]["accuracy"] for f in kept}
        left_out, accuracy = max(tried.items(), key=lambda item: item[1])
        if accuracy <= best:
            break
        kept, best = tuple(k for k in kept if k != left_out), accuracy
        steps.append({"left_out": left_out, "kept": list(kept),
                      f"{folds}_fold_accuracy": best})
    return kept, steps


def to_model(rows: list[dict], features: tuple[str, ...]) -> EvidenceModel:
    x, y = matrix(rows, features)
    pipeline = fit(x, y)
    scaler, lr = pipeline[0], pipeline[-1]
    return EvidenceModel(features, scaler.mean_.round(6).tolist(),
                         scaler.scale_.round(6).tolist(), lr.coef_[0].round(6).tolist(),
                         round(float(lr.intercept_[0]), 6), THRESHOLD)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index-root", type=Path, default=Path("data"),
                        help="Where the persistent eval indexes live (eval-<set>/).")
    parser.add_argument("--evaldata", type=Path, default=Path("../shared/evaldata"),
                        help="The evaluation data folder.")
    parser.add_argument("--write", action="store_true", help=f"Write {OUT.name}.")
    parser.add_argument("--rows", type=Path, help="Also save the measured rows (JSON).")
    parser.add_argument("--wrong-answer-cost", type=float, default=3.0,
                        help="Cost of a wrong answer against a wrong refusal (default 3).")
    parser.add_argument("--from-rows", type=Path,
                        help="Fit on rows saved by --rows instead of measuring them again.")
    args = parser.parse_args()
    global THRESHOLD
    THRESHOLD = round(args.wrong_answer_cost / (1 + args.wrong_answer_cost), 4)

    sets = dev_sets(args.evaldata)
    if args.from_rows:
        rows = json.loads(args.from_rows.read_text())
    else:
        missing = [g.name for g in sets.values() if not g.available]
        if missing:
            parser.error(f"not found under {args.evaldata}: {', '.join(missing)}")
        rows = [r for gold in sets.values() for r in collect(gold, args.index_root)]
    if args.rows:
        args.rows.write_text(json.dumps(rows, indent=1))
    report = {"all signals": cross_validated(rows, FEATURES)}
    for left_out in FEATURES:
        kept = tuple(f for f in FEATURES if f != left_out)
        report[f"without {left_out}"] = cross_validated(rows, kept)
    kept, steps = select(rows)
    report["selection"] = steps
    report["selected"] = cross_validated(rows, kept)
    print(json.dumps(report, indent=1))
    model = to_model(rows, kept)
    print(json.dumps(model.__dict__, indent=1))
    if args.write:
        OUT.write_text(json.dumps({**model.__dict__, "features": list(model.features),
                                   "fitted_on": sorted(sets), "rows": len(rows),
                                   "wrong_answer_cost": args.wrong_answer_cost},
                                  indent=1) + "\n")
        print(f"wrote {OUT}")


if __name__ == "__main__":
    main()

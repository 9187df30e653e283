"""``coproduce coordination match-eval``: the live ranking run offline on a labelled set.

Candidates go into an in-memory SQLite FTS5 table built with the live index's definition and
searched with the live engine's ``text_hits`` and ``rank_hits``, so the figures measure the
code that ranks real goals, not a copy of it.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from django.core.management.base import BaseCommand, CommandError

from coproduce.coordination.matching.engine import (
    BASELINE,
    DEFAULT,
    FTS5_TABLE_SQL,
    KINDS,
    Candidate,
    MatchQuery,
    Suggestion,
    days_in_text,
    query_text_scores,
    rank_hits,
)

TOP = 5


class BadFile(ValueError):
    pass


@dataclass(frozen=True)
class LabelledCandidate:
    id: str
    kind: str
    title: str
    text: str
    lat: float | None
    lon: float | None


@dataclass(frozen=True)
class LabelledQuery:
    id: str
    text: str
    lat: float | None
    lon: float | None
    relevant: tuple[str, ...]


def _number(value: Any, where: str, name: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise BadFile(f"{where}: {name} must be a number or null.")
    return float(value)


def _rows(path: str, what: str) -> list[tuple[str, dict[str, Any]]]:
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError as error:
        raise BadFile(f"Cannot read the {what} file {path}: {error.strerror}.") from error
    except UnicodeDecodeError as error:
        raise BadFile(f"The {what} file {path} is not UTF-8 text.") from error
    rows = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        where = f"{path} line {number}"
        try:
            row = json.loads(line)
        except json.JSONDecodeError as error:
            raise BadFile(f"{where}: not valid JSON ({error.msg}).") from error
        if not isinstance(row, dict):
            raise BadFile(f"{where}: each line must be a JSON object.")
        rows.append((where, row))
    if not rows:
        raise BadFile(f"The {what} file {path} has no lines.")
    return rows


def _text(row: dict[str, Any], name: str, where: str, *, required: bool = True) -> str:
    value = row.get(name)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value.strip()):
        raise BadFile(f"{where}: {name} must be a non-empty string.")
    return value


def load_candidates(path: str) -> list[LabelledCandidate]:
    seen: set[str] = set()
    out = []
    for where, row in _rows(path, "candidates"):
        ident = _text(row, "id", where)
        if ident in seen:
            raise BadFile(f"{where}: the id {ident!r} was used before.")
        seen.add(ident)
        kind = _text(row, "kind", where)
        if kind not in KINDS:
            raise BadFile(f"{where}: kind must be one of {', '.join(KINDS)}.")
        out.append(
            LabelledCandidate(
                id=ident,
                kind=kind,
                title=_text(row, "title", where),
                text=_text(row, "text", where, required=False),
                lat=_number(row.get("lat"), where, "lat"),
                lon=_number(row.get("lon"), where, "lon"),
            )
        )
    return out


def load_queries(path: str, candidate_ids: set[str]) -> list[LabelledQuery]:
    out = []
    for where, row in _rows(path, "queries"):
        relevant = row.get("relevant")
        if not isinstance(relevant, list) or not all(isinstance(r, str) for r in relevant):
            raise BadFile(f"{where}: relevant must be a list of candidate ids.")
        if not relevant:
            raise BadFile(f"{where}: relevant is empty; label at least one candidate.")
        unknown = [r for r in relevant if r not in candidate_ids]
        if unknown:
            raise BadFile(f"{where}: relevant names unknown candidates: {', '.join(unknown)}.")
        out.append(
            LabelledQuery(
                id=_text(row, "id", where),
                text=_text(row, "text", where),
                lat=_number(row.get("lat"), where, "lat"),
                lon=_number(row.get("lon"), where, "lon"),
                relevant=tuple(relevant),
            )
        )
    return out


def _index(candidates: Sequence[LabelledCandidate]) -> sqlite3.Connection:
    db = sqlite3.connect(":memory:")
    db.execute(FTS5_TABLE_SQL)
    db.executemany(
        "INSERT INTO coordination_match_fts (rowid, org, kind, title, body) "
        "VALUES (?, 'o0', ?, ?, ?)",
        [(i, c.kind, c.title, c.text) for i, c in enumerate(candidates, start=1)],
    )
    return db


def rank_labelled(
    candidates: Sequence[LabelledCandidate],
    queries: Sequence[LabelledQuery],
    *,
    baseline: bool = False,
    semantic: bool = False,
    limit: int = TOP,
) -> list[list[Suggestion]]:
    """Each query's top ``limit`` through the live engine's text search and ranking."""
    db = _index(candidates)
    dense: Any = None
    if semantic:
        from coproduce.coordination.matching import semantic as sem

        model = sem.load_model()
        # Title and text, as the index holds them; goals as the person wrote them.
        embeddings = model.embed([f"{c.title}. {c.text}" for c in candidates])
        goals = model.embed([q.text for q in queries])
        # Dense retrieval over every candidate, fused with the lexical score below.
        dense = sem.SEMANTIC_WEIGHT * np.vstack(
            [sem.dense_scores(row) for row in goals @ embeddings.T]
        )
    results = []
    for number, q in enumerate(queries):
        query = MatchQuery(
            text=q.text,
            latitude=None if baseline else q.lat,
            longitude=None if baseline else q.lon,
            days=frozenset() if baseline else days_in_text(q.text),
            expand=not baseline,
            weights=BASELINE if baseline else DEFAULT,
        )
        hits = query_text_scores(
            db.cursor(),
            vendor="sqlite",
            organisation_id=0,
            text=query.text,
            expand=query.expand,
            qmark=True,
        )
        pool = range(1, len(candidates) + 1) if dense is not None else sorted(hits)
        ranked = rank_hits(
            [
                Candidate(
                    key=f"{candidates[i - 1].kind}:{candidates[i - 1].id}",
                    kind=candidates[i - 1].kind,
                    title=candidates[i - 1].title,
                    text=candidates[i - 1].text,
                    text_score=hits.get(i, 0.0),
                    latitude=candidates[i - 1].lat,
                    longitude=candidates[i - 1].lon,
                    extra_score=0.0 if dense is None else float(dense[number, i - 1]),
                )
                for i in pool
            ],
            query,
            limit,
        )
        results.append(ranked)
    return results


def evaluate(
    candidates: Sequence[LabelledCandidate],
    queries: Sequence[LabelledQuery],
    *,
    baseline: bool = False,
    semantic: bool = False,
) -> dict[str, Any]:
    """``{"hit@5", "recall@5", "queries": [...]}`` for the labelled set."""
    ranked = rank_labelled(candidates, queries, baseline=baseline, semantic=semantic)
    per_query = []
    hits = 0
    recall_sum = 0.0
    for q, top in zip(queries, ranked, strict=True):
        ids = [s.source_id for s in top[:TOP]]
        found = len(set(ids) & set(q.relevant))
        recall = found / min(TOP, len(set(q.relevant)))
        hits += found > 0
        recall_sum += recall
        per_query.append(
            {
                "id": q.id,
                "text": q.text,
                "recall@5": round(recall, 4),
                "hit": found > 0,
                "top5": [
                    {
                        "id": s.source_id,
                        "kind": s.kind,
                        "relevant": s.source_id in q.relevant,
                        "score": s.score,
                        "reason": s.reason,
                    }
                    for s in top[:TOP]
                ],
            }
        )
    return {
        "hit@5": round(hits / len(queries), 4),
        "recall@5": round(recall_sum / len(queries), 4),
        "mode": "baseline" if baseline else ("semantic" if semantic else "default"),
        "queries": per_query,
    }


def match_eval_command(command: BaseCommand, options: dict[str, Any]) -> None:
    try:
        candidates = load_candidates(str(options["candidates"]))
        queries = load_queries(str(options["queries"]), {c.id for c in candidates})
    except BadFile as error:
        raise CommandError(str(error)) from error
    semantic = bool(options.get("semantic"))
    if semantic:
        from coproduce.coordination.matching.semantic import SemanticUnavailable, load_model

        try:
            load_model()
        except SemanticUnavailable as error:
            raise CommandError(str(error)) from error
    result = evaluate(
        candidates, queries, baseline=bool(options.get("baseline")), semantic=semantic
    )
    out = command.stdout
    if options.get("json"):
        out.write(json.dumps(result, ensure_ascii=False))
        return
    out.write(
        f"{len(queries)} queries, {len(candidates)} candidates, {result['mode']} ranking: "
        f"hit@5 {result['hit@5']:.3f}, recall@5 {result['recall@5']:.3f}"
    )
    for q in result["queries"]:
        out.write(f"\n{q['id']}: recall@5 {q['recall@5']:.2f}  {q['text']}")
        for rank, s in enumerate(q["top5"], start=1):
            mark = "*" if s["relevant"] else " "
            out.write(f"  {rank}.{mark} {s['id']} ({s['kind']}): {s['reason']}")

"""Ranking candidates for a goal, request or offer.

One scoring path serves the live index and the offline evaluation: the database's full-text
search gives a BM25-style text score (SQLite FTS5 ``bm25()``, PostgreSQL ``ts_rank_cd``) for
an OR of the query's stemmed words and a small set of everyday synonyms; ``rank_hits`` then
combines it with distance, availability and capacity and writes each reason in plain words.
"""

from __future__ import annotations

import math
import re
import sqlite3
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Protocol

# --- the public result ------------------------------------------------------------------


@dataclass(frozen=True)
class Suggestion:
    key: str  # MatchDocument.key, "<kind>:<source id>"
    kind: str  # "person" | "offer" | "request" | "group" | "asset"
    source_id: str  # the id of the source row (asset ids are UUID strings)
    title: str
    reason: str  # plain words
    score: float
    rank: int  # 1-based
    distance_km: float | None
    places_left: int | None
    membership_id: int | None  # whose (person/offer/request), else None


KINDS = ("person", "offer", "request", "group", "asset")

# --- query words ------------------------------------------------------------------------

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
# Words that carry no meaning in a goal ("I'd really like to get out and ...").
_STOP_TEXT = """a about above after again against all also am an and any are as at be because been
    before being below between both but by can could d did do does doing down during each
    else even ever few for from further get getting go going got had has have having he her
    here hers herself him himself his how i id if ill im in into is isnt it its itself ive
    just know lot lots ll m maybe me more most much must my myself need needs no nor not now
    of off often on once one only or other our ours ourselves out over own please quite
    rather re really s same she should so some someone something sometimes still such t than
    that thats the their theirs them themselves then there these they thing things this
    those through to too try under until up us ve very want wanted wants was way we well were
    what when where which while who whom why will wish with would wouldnt you your yours
    yourself yourselves like love lovely bit little able back day days week weekly new
    feel find help helping person others anyone anybody somebody kind sort people town
    place"""
STOPWORDS = frozenset(_STOP_TEXT.split())

# Everyday synonyms of community life, each group read both ways. Kept small and general:
# they widen a goal in a person's own words to the words services and neighbours use.
SYNONYM_GROUPS: tuple[tuple[str, ...], ...] = (
    ("garden", "gardening", "allotment", "growing", "grow", "plants", "vegetables", "veg"),
    ("walk", "walking", "ramble", "rambling", "stroll", "hike", "hiking"),
    ("cook", "cooking", "kitchen", "chef", "catering", "meals", "baking", "bake"),
    ("job", "jobs", "work", "employment", "career", "cv", "interview", "interviews"),
    ("lonely", "loneliness", "isolated", "alone", "company", "befriending", "friends"),
    ("visit", "visiting", "visitor", "befriending", "company"),
    ("meet", "social", "chat", "natter", "companionship", "friendly"),
    ("talk", "talking", "listen", "listening", "chat"),
    ("computer", "computers", "laptop", "internet", "online", "digital", "tablet", "phone"),
    ("email", "emails", "smartphone", "technology", "ipad", "computer", "online"),
    ("read", "reading", "books", "book", "library"),
    ("knit", "knitting", "sewing", "crochet", "crafts", "craft"),
    ("music", "singing", "sing", "choir", "guitar", "band"),
    ("art", "painting", "drawing", "paint", "draw"),
    ("exercise", "fitness", "fit", "fitter", "gym", "active", "sport", "yoga", "stretching"),
    ("dog", "dogs", "pet", "pets"),
    ("lift", "lifts", "driving", "drive", "transport", "car"),
    ("shop", "shopping", "errands", "groceries"),
    ("anxiety", "anxious", "nerves", "nervous", "depression", "stress", "mood", "mental"),
    ("forms", "letters", "paperwork", "benefits", "admin"),
    ("diy", "repairs", "repair", "fix", "fixing", "handyman", "mend", "mending", "broken"),
    ("english", "esol", "language", "conversation"),
    ("parent", "parents", "baby", "babies", "toddler", "toddlers", "children", "kids"),
    ("carer", "carers", "caring"),
    ("older", "elderly", "retired", "pensioners"),
    ("woodwork", "carpentry", "joiner", "joinery", "shed", "tools"),
    ("cycling", "cycle", "bike", "bikes", "bicycle"),
    ("games", "chess", "cards", "board games", "bridge", "crosswords", "puzzles", "quiz"),
    ("dementia", "memory", "alzheimers"),
    ("nature", "wildlife", "birds", "conservation", "outdoors", "countryside", "park"),
    ("cafe", "coffee", "tea", "lunch"),
    ("bereavement", "bereaved", "grief", "grieving", "loss", "widow", "widowed", "died"),
    ("confidence", "confident", "shy"),
    ("learn", "learning", "course", "courses", "class", "classes", "lessons", "skills"),
    ("money", "budget", "budgeting", "debt", "bills"),
    ("volunteer", "volunteering", "give", "contribute", "useful"),
    ("housing", "homeless", "tenancy", "landlord", "rent"),
    ("gay", "lesbian", "lgbt", "lgbtq", "queer", "bisexual", "trans"),
    ("young", "youth", "teenager", "teenagers", "students"),
)


def _build_synonyms() -> dict[str, frozenset[str]]:
    table: dict[str, set[str]] = {}
    for group in SYNONYM_GROUPS:
        words = {w for phrase in group for w in phrase.split()}
        for word in words:
            table.setdefault(word, set()).update(words)
    return {word: frozenset(others - {word}) for word, others in table.items()}


SYNONYMS = _build_synonyms()


def words_of(text: str) -> list[str]:
    """The meaningful words of any user text, lower-cased, in order, without repeats. Only
    letters and digits survive, so no full-text operator or quote can reach the database."""
    seen: dict[str, None] = {}
    for word in _WORD.findall((text or "").lower().replace("'", "")):
        if len(word) > 1 and word not in STOPWORDS and len(word) <= 40:
            seen.setdefault(word, None)
    return list(seen)[:40]


def query_terms(text: str, *, expand: bool = True) -> list[str]:
    """The words of ``text`` and, with ``expand``, their everyday synonyms."""
    words = words_of(text)
    if not expand:
        return words
    terms = dict.fromkeys(words)
    for word in words:
        for other in sorted(SYNONYMS.get(word, ())):
            terms.setdefault(other, None)
    return list(terms)[:80]


def fts5_expression(
    terms: Sequence[str], *, org_token: str, kinds: Iterable[str] = (), public: bool = False
) -> str:
    """An FTS5 MATCH expression: each term quoted (terms are letters and digits only),
    OR-ed, inside the organisation (or, with ``public``, a public asset of any) and, if
    given, the kinds."""
    text = " OR ".join(f'"{term}"' for term in terms)
    where = f'("{org_token}" OR "public")' if public else f'"{org_token}"'
    expression = f"org : {where} AND ({text})"
    kinds = list(kinds)
    if kinds:
        expression += " AND (" + " OR ".join(f'kind : "{kind}"' for kind in kinds) + ")"
    return expression


def tsquery_expression(terms: Sequence[str]) -> str:
    """A ``to_tsquery('english', ...)`` text: the terms OR-ed (letters and digits only)."""
    return " | ".join(terms)


# --- the full-text search, for either backend -------------------------------------------

FTS5_TABLE_SQL = (
    "CREATE VIRTUAL TABLE coordination_match_fts USING fts5("
    "org, kind, title, body, tokenize = 'porter unicode61')"
)
# bm25() is lower-is-better; the org and kind columns weigh nothing, the title twice the text.
SQLITE_HITS_SQL = (
    "SELECT rowid, -bm25(coordination_match_fts, 0.0, 0.0, 2.0, 1.0) AS score "
    "FROM coordination_match_fts WHERE coordination_match_fts MATCH %s "
    "ORDER BY bm25(coordination_match_fts, 0.0, 0.0, 2.0, 1.0) LIMIT %s"
)
POSTGRES_HITS_SQL = (
    "SELECT d.id, ts_rank_cd(d.search, q, 1) AS score "
    "FROM coordination_matchdocument d, to_tsquery('english', %s) q "
    "WHERE (d.organisation_id = %s {public}) AND d.search @@ q {kinds} "
    "ORDER BY score DESC, d.id LIMIT %s"
)


# What a search may cost on SQLite, counted in postings (documents holding a term, from the
# FTS5 vocabulary): BM25 is computed for every document that holds any term, so a goal's
# cost grows with how common its words and their synonyms are. An index of up to
# BUDGET_FROM_DOCUMENTS documents is cheap whatever is asked: every term is searched. In a
# bigger one the goal's own words are searched, except a word in more than COMMON_SHARE of
# the documents (it works as a stopword there: "offers" is in every person's text), and
# synonyms are added, rarest first, while the postings stay within SYNONYM_BUDGET_SHARE of
# the documents — a county-sized index gets the synonyms it can afford.
BUDGET_FROM_DOCUMENTS = 5000
COMMON_SHARE = 0.5
SYNONYM_BUDGET_SHARE = 0.2
VOCAB_SQL = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS temp.coordination_match_vocab "
    "USING fts5vocab(main, coordination_match_fts, 'row')"
)
INDEX_SIZE_SQL = "SELECT count(*) FROM coordination_match_fts_docsize"
VOCAB_DF_SQL = "SELECT term, doc FROM temp.coordination_match_vocab WHERE term IN ({marks})"

_stemmer_lock = threading.Lock()
_stemmer: sqlite3.Connection | None = None


@lru_cache(maxsize=65536)
def porter_stem(word: str) -> str:
    """The stem FTS5's ``porter unicode61`` tokenizer gives ``word`` (asked of FTS5 itself,
    in a private in-memory database, so the two never disagree)."""
    global _stemmer
    with _stemmer_lock:
        if _stemmer is None:
            _stemmer = sqlite3.connect(":memory:", check_same_thread=False)
            _stemmer.execute("CREATE VIRTUAL TABLE s USING fts5(w, tokenize = 'porter unicode61')")
            _stemmer.execute("CREATE VIRTUAL TABLE sv USING fts5vocab(s, 'instance')")
        _stemmer.execute("DELETE FROM s")
        _stemmer.execute("INSERT INTO s (w) VALUES (?)", [word])
        row = _stemmer.execute("SELECT term FROM sv ORDER BY offset LIMIT 1").fetchone()
    return str(row[0]) if row else word


def affordable_terms(
    cursor: Any,
    *,
    words: Sequence[str],
    synonyms: Sequence[str],
    qmark: bool = False,
) -> list[str]:
    """The terms worth searching on SQLite (see SYNONYM_BUDGET_SHARE): the goal's own words
    unless very common, then synonyms, rarest stem first, within the budget. Each term is
    searched as it is (two terms of one stem count twice, in BM25 as in the cost)."""
    cursor.execute(INDEX_SIZE_SQL)  # a b-tree count: no scan
    size = int(cursor.fetchall()[0][0])
    if size <= BUDGET_FROM_DOCUMENTS:
        return [*words, *synonyms]
    stems: dict[str, list[str]] = {}
    for term in (*words, *synonyms):
        stems.setdefault(porter_stem(term), []).append(term)
    cursor.execute(VOCAB_SQL)
    wanted = list(stems)
    mark = "?" if qmark else "%s"
    cursor.execute(VOCAB_DF_SQL.format(marks=",".join(mark for _ in wanted)), wanted)
    df = {str(term): int(doc) for term, doc in cursor.fetchall()}
    own = [porter_stem(word) for word in words]
    kept = [stem for stem in dict.fromkeys(own) if df.get(stem, 0) <= COMMON_SHARE * size]
    if not kept:
        kept = own[:1]

    def cost(stem: str) -> int:
        return df.get(stem, 0) * len(stems[stem])

    used = sum(cost(stem) for stem in kept)
    budget = SYNONYM_BUDGET_SHARE * size
    for stem in sorted((s for s in stems if s not in own), key=cost):
        if used + cost(stem) <= budget:
            used += cost(stem)
            kept.append(stem)
    chosen = set(kept)
    return [term for term in (*words, *synonyms) if porter_stem(term) in chosen]


class Cursor(Protocol):
    def execute(self, sql: str, params: Sequence[Any] = ...) -> Any: ...

    def fetchall(self) -> list[Any]: ...


def text_hits(
    cursor: Cursor,
    *,
    vendor: str,
    organisation_id: int,
    terms: Sequence[str],
    kinds: Sequence[str] = (),
    pool: int = 200,
    qmark: bool = False,
    public: bool = False,
    words: Sequence[str] | None = None,
) -> list[tuple[int, float]]:
    """The best ``pool`` documents by text score, as (document id, score > 0), in the
    organisation and, with ``public``, among public assets of any. Given the goal's own
    ``words`` (the rest of ``terms`` being synonyms), SQLite searches only the terms it can
    afford (``affordable_terms``). ``qmark`` is for a bare sqlite3 cursor (the offline
    evaluation); Django's take ``%s``."""
    if not terms:
        return []
    if vendor == "sqlite":
        sql = SQLITE_HITS_SQL.replace("%s", "?") if qmark else SQLITE_HITS_SQL
        org_token = f"o{organisation_id}"
        if words is not None:
            own = set(words)
            terms = affordable_terms(
                cursor,
                words=[t for t in terms if t in own],
                synonyms=[t for t in terms if t not in own],
                qmark=qmark,
            )
        expression = fts5_expression(terms, org_token=org_token, kinds=kinds, public=public)
        cursor.execute(sql, [expression, pool])
    elif vendor == "postgresql":
        kind_sql = ""
        params: list[Any] = [tsquery_expression(terms), organisation_id]
        if kinds:
            kind_sql = "AND d.kind IN (" + ",".join("%s" for _ in kinds) + ")"
            params += list(kinds)
        public_sql = "OR (d.is_public AND d.kind = 'asset')" if public else ""
        cursor.execute(POSTGRES_HITS_SQL.format(kinds=kind_sql, public=public_sql), [*params, pool])
    else:  # pragma: no cover - the project runs on these two
        raise NotImplementedError(vendor)
    return [(int(row[0]), float(row[1])) for row in cursor.fetchall() if row[1] > 0]


def query_text_scores(
    cursor: Cursor,
    *,
    vendor: str,
    organisation_id: int,
    text: str,
    expand: bool = True,
    kinds: Sequence[str] = (),
    pool: int = 200,
    qmark: bool = False,
    public: bool = False,
) -> dict[int, float]:
    """Text score per document: BM25 of an OR of the query's own words and, with
    ``expand``, their synonyms, in one search (one pass over the index). Which of the
    person's ideas a candidate covers is weighed afterwards (``coverage``)."""
    return dict(
        text_hits(
            cursor,
            vendor=vendor,
            organisation_id=organisation_id,
            terms=query_terms(text, expand=expand),
            kinds=kinds,
            pool=pool,
            qmark=qmark,
            public=public,
            words=words_of(text),
        )
    )


# --- combining the signals --------------------------------------------------------------

DAY_NAMES = {
    "MO": "Mondays",
    "TU": "Tuesdays",
    "WE": "Wednesdays",
    "TH": "Thursdays",
    "FR": "Fridays",
    "SA": "Saturdays",
    "SU": "Sundays",
}
_DAY_WORDS = {
    "mon": "MO",
    "tue": "TU",
    "wed": "WE",
    "thu": "TH",
    "fri": "FR",
    "sat": "SA",
    "sun": "SU",
}
_DAY_RE = re.compile(
    r"\b(mon|tue|tues|wed|weds|thu|thur|thurs|fri|sat|sun)(?:day|days|s|nesday|nesdays|"
    r"rsday|rsdays|sday|sdays|urday|urdays)?\b|\b(weekends?|weekdays?)\b",
    re.IGNORECASE,
)


def days_in_text(text: str) -> frozenset[str]:
    """iCalendar day codes named in free text: "Tuesday mornings, weekends" -> TU, SA, SU."""
    days: set[str] = set()
    for match in _DAY_RE.finditer(text or ""):
        if match.group(1):
            days.add(_DAY_WORDS[match.group(1).lower()[:3]])
        elif match.group(2).lower().startswith("weekend"):
            days.update(("SA", "SU"))
        else:
            days.update(("MO", "TU", "WE", "TH", "FR"))
    return frozenset(days)


def days_of(codes: str) -> frozenset[str]:
    """``"MO,TU"`` (or monthly parts like ``"2MO"``) as a set of day codes."""
    found = {part.strip().upper()[-2:] for part in (codes or "").split(",") if part.strip()}
    return frozenset(day for day in found if day in DAY_NAMES)


def days_code(days: Iterable[str]) -> str:
    order = list(DAY_NAMES)
    return ",".join(sorted(set(days), key=order.index))


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    r = 6371.0088
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(min(1.0, math.sqrt(a)))


@dataclass(frozen=True)
class Candidate:
    """A document with its text score, as either index gives it."""

    key: str
    kind: str
    title: str
    text: str
    text_score: float
    latitude: float | None = None
    longitude: float | None = None
    days: str = ""
    places_left: int | None = None
    membership_id: int | None = None
    extra_score: float = 0.0  # e.g. semantic similarity, already weighted


@dataclass(frozen=True)
class Weights:
    text: float = 1.0
    distance: float = 0.35  # at the query point; halves by DISTANCE_HALF_KM
    days_match: float = 0.1
    days_miss: float = 0.15
    # Share of the goal's ideas (each word with its synonyms) that the candidate covers.
    coverage: float = 0.4
    use_distance: bool = True


BASELINE = Weights(distance=0.0, days_match=0.0, days_miss=0.0, coverage=0.0, use_distance=False)
DEFAULT = Weights()
DISTANCE_HALF_KM = 2.0


@dataclass(frozen=True)
class MatchQuery:
    text: str
    latitude: float | None = None
    longitude: float | None = None
    days: frozenset[str] = frozenset()
    kinds: tuple[str, ...] = ()
    exclude_membership_ids: frozenset[int] = frozenset()
    vetted_only: bool = False
    expand: bool = True
    weights: Weights = field(default_factory=Weights)

    @property
    def terms(self) -> list[str]:
        return query_terms(self.text, expand=self.expand)


_SUFFIXES = ("ingly", "edly", "ings", "ing", "ers", "er", "ed", "es", "s", "ly", "ment")


@lru_cache(maxsize=65536)
def light_stem(word: str) -> str:
    """A crude English stem for comparing words in Python (the index stems properly)."""
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)]
            break
    if len(word) > 3 and word[-1] == word[-2] and word[-1] not in "aeiouls":
        word = word[:-1]
    return word


def query_concepts(query_text: str) -> list[frozenset[str]]:
    """Each meaningful word of the query with its synonyms, as light stems."""
    return [
        frozenset(light_stem(form) for form in (word, *SYNONYMS.get(word, ())))
        for word in words_of(query_text)
    ]


def coverage(text: str, concepts: Sequence[frozenset[str]]) -> float:
    """The share of the query's ideas (``query_concepts``) that ``text`` holds."""
    if not concepts:
        return 0.0
    held = {light_stem(w) for w in _WORD.findall(text.lower())}
    return sum(1 for forms in concepts if not forms.isdisjoint(held)) / len(concepts)


def _matched_phrase(candidate: Candidate, query_words: Sequence[str]) -> str:
    """The first line of the text (or the title) that holds a query word, for the reason."""

    def holds(line: str) -> bool:
        line_words = _WORD.findall(line.lower())
        for q in query_words:
            stem = q[:5] if len(q) > 5 else q
            if any(w.startswith(stem) or (len(w) >= 4 and q.startswith(w)) for w in line_words):
                return True
        return False

    for line in candidate.text.splitlines():
        line = line.strip()
        if line and holds(line):
            return line.split(".")[0].strip()[:80]
    return ""


def reason_for(
    candidate: Candidate,
    *,
    words: Sequence[str],
    distance_km: float | None,
    common_days: frozenset[str],
) -> str:
    """ "offers gardening, 0.8 km away, free on Tuesdays, 2 places left"."""
    phrase = _matched_phrase(candidate, words) if candidate.kind == "person" else ""
    if candidate.kind == "person":
        what = phrase or "shares your interests"
    elif candidate.kind == "offer":
        what = f"offers “{candidate.title}”"
    elif candidate.kind == "request":
        what = f"asks for “{candidate.title}”"
    elif candidate.kind == "group":
        what = f"group “{candidate.title}”"
    else:
        what = f"“{candidate.title}”"
    parts = [what]
    if distance_km is not None:
        # People are placed at their area's centre: the same place reads as the same area,
        # not as "0.0 km away".
        parts.append("in the same area" if distance_km < 0.05 else f"{distance_km:.1f} km away")
    if common_days:
        verb = {"group": "meets", "asset": "open"}.get(candidate.kind, "free")
        days = " and ".join(DAY_NAMES[d] for d in days_code(common_days).split(","))
        parts.append(f"{verb} on {days}")
    if candidate.places_left is not None:
        left = candidate.places_left
        parts.append("1 place left" if left == 1 else f"{left} places left")
    return ", ".join(parts)


def rank_hits(candidates: Sequence[Candidate], query: MatchQuery, limit: int) -> list[Suggestion]:
    """Order text hits by the combined score. Full groups and places (no places left) are
    never suggested; a candidate free on none of the person's days is demoted."""
    weights = query.weights
    usable = [c for c in candidates if c.places_left is None or c.places_left > 0]
    if not usable:
        return []
    top = max(c.text_score for c in usable) or 1.0
    concepts = query_concepts(query.text) if weights.coverage else []
    scored: list[tuple[float, Candidate, float | None, frozenset[str]]] = []
    for c in usable:
        score = weights.text * (c.text_score / top) + c.extra_score
        if concepts:
            score += weights.coverage * coverage(f"{c.title} {c.text}", concepts)
        distance = None
        if (
            query.latitude is not None
            and query.longitude is not None
            and c.latitude is not None
            and c.longitude is not None
        ):
            distance = haversine_km(query.latitude, query.longitude, c.latitude, c.longitude)
            if weights.use_distance:
                score += weights.distance * (0.5 ** (distance / DISTANCE_HALF_KM))
        common: frozenset[str] = frozenset()
        cand_days = days_of(c.days) if c.days else frozenset()
        if query.days and cand_days:
            common = query.days & cand_days
            score += weights.days_match if common else -weights.days_miss
        scored.append((score, c, distance, common))
    scored.sort(key=lambda item: (-item[0], item[1].key))
    words = query.terms
    return [
        Suggestion(
            key=c.key,
            kind=c.kind,
            source_id=c.key.split(":", 1)[1],
            title=c.title,
            reason=reason_for(c, words=words, distance_km=distance, common_days=common),
            score=round(score, 4),
            rank=rank,
            distance_km=None if distance is None else round(distance, 2),
            places_left=c.places_left,
            membership_id=c.membership_id,
        )
        for rank, (score, c, distance, common) in enumerate(scored[:limit], start=1)
    ]

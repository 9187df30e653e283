"""Read and write the pabulib ``.pb`` format (https://pabulib.org/format).

A file has three sections, each introduced by a line holding only its name::

    META
    key;value
    budget;1000000
    vote_type;approval
    PROJECTS
    project_id;cost;name;...
    1;250000;Bike lanes;...
    VOTES
    voter_id;vote;...
    v1;1,4,7;...

Inside a section, lines are semicolon-separated CSV (files are written with Python's ``csv``
module, so a value containing ``;`` is double-quoted). ``vote`` lists project ids separated by
commas; cumulative and scoring ballots add a ``points`` column aligned with ``vote``. Columns
other than ``project_id``, ``cost`` and ``name`` (projects) and ``voter_id``, ``vote`` and
``points`` (votes) are kept as strings in ``extra``, in file order.

Numbers use ``.`` for decimals. A comma is accepted only as a thousands separator in the
unambiguous form ``1,234,567`` or ``1,234,567.89``; anything else with a comma (``1000,50``)
is rejected rather than guessed.

Every problem raises :class:`PabulibError` with the 1-based line number where it was found.
``loads(dumps(election)) == election`` for every election this module can write.
"""

from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

from coproduce.budgeting.rules import Instance, Money

VOTE_TYPES = ("approval", "choose-1", "cumulative", "scoring", "ordinal")
# pabulib marks a project withdrawn after the vote with this cost; greedy rules pass over it.
WITHDRAWN_COST = 999_999_999
SECTIONS = ("meta", "projects", "votes")

_INT = re.compile(r"[0-9]+")
_DECIMAL = re.compile(r"[0-9]+\.[0-9]+")
_THOUSANDS = re.compile(r"[0-9]{1,3}(,[0-9]{3})+(\.[0-9]+)?")
_POINTS = re.compile(r"-?[0-9]+")


class PabulibError(ValueError):
    """A malformed pabulib file. ``str(error)`` reads ``"line 57: vote for unknown project
    'p9'"``; ``message`` and ``line`` are also available separately."""

    def __init__(self, message: str, line: int | None = None) -> None:
        self.message = message
        self.line = line
        super().__init__(f"line {line}: {message}" if line is not None else message)


@dataclass(frozen=True)
class Project:
    id: str
    cost: Money
    name: str = ""
    extra: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Ballot:
    voter_id: str
    approvals: tuple[str, ...]
    points: tuple[int, ...] | None = None
    extra: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Election:
    """A parsed pabulib file. ``project_columns`` / ``vote_columns`` record the column order
    (``None``: the writer's default order)."""

    meta: dict[str, str]
    projects: dict[str, Project]
    votes: list[Ballot]
    project_columns: tuple[str, ...] | None = None
    vote_columns: tuple[str, ...] | None = None
    # 1-based line of each META key in the file it was read from (for error messages).
    meta_lines: dict[str, int] = field(default_factory=dict, compare=False, repr=False)

    @property
    def budget(self) -> Money:
        return parse_number(self.meta["budget"], "the budget")

    @property
    def vote_type(self) -> str:
        return self.meta.get("vote_type", "approval")

    @property
    def rule(self) -> str | None:
        """The rule the election was counted with (``greedy``, ``equalshares/add1``, ...)."""
        return self.meta.get("rule", "").strip() or None

    @property
    def withdrawn(self) -> tuple[str, ...]:
        """Projects whose cost is pabulib's mark for "withdrawn after the vote"."""
        return tuple(pid for pid, p in self.projects.items() if p.cost == WITHDRAWN_COST)

    @property
    def score_threshold(self) -> int:
        """``min_project_score_threshold``: the score (votes; points on cumulative and scoring
        ballots) a project needs under every greedy rule, 0 when the file sets none. Scores are
        whole numbers, so a fractional threshold is rounded up."""
        raw = self.meta.get("min_project_score_threshold", "").strip()
        return math.ceil(parse_number(raw)) if raw else 0

    def tally(self) -> dict[str, int]:
        """Number of voters supporting each project, in project order."""
        counts = dict.fromkeys(self.projects, 0)
        for ballot in self.votes:
            for pid in ballot.approvals:
                counts[pid] += 1
        return counts

    def points_tally(self) -> dict[str, int]:
        """Total points per project (cumulative/scoring ballots)."""
        totals = dict.fromkeys(self.projects, 0)
        for ballot in self.votes:
            if ballot.points is not None:
                for pid, pts in zip(ballot.approvals, ballot.points, strict=True):
                    totals[pid] += pts
        return totals

    def to_instance(self) -> Instance:
        """The counting instance: every project listed on a ballot counts as supported
        (for ordinal ballots the ranking is ignored); cumulative/scoring ballots carry points."""
        with_points = self.vote_type in ("cumulative", "scoring")
        return Instance(
            budget=self.budget,
            costs={pid: p.cost for pid, p in self.projects.items()},
            ballots=[b.approvals for b in self.votes],
            points=[b.points or () for b in self.votes] if with_points else None,
        )


def parse_number(text: str, what: str = "the value", line: int | None = None) -> Money:
    """``"12000"`` → 12000, ``"12000.50"`` → Fraction(24001, 2), ``"1,000,000"`` → 1000000.

    ``what`` names the value in the error message, e.g. ``"the budget"``.
    """
    raw = text.strip()
    digits = raw.replace(",", "") if _THOUSANDS.fullmatch(raw) else raw
    if _INT.fullmatch(digits):
        return int(digits)
    if _DECIMAL.fullmatch(digits):
        value = Fraction(digits)
        return value.numerator if value.denominator == 1 else value
    if "," in raw and re.fullmatch(r"[0-9,.]+", raw):
        raise PabulibError(
            f"{what} is ambiguous: {raw!r} (use '.' for decimals and no thousands separators)",
            line,
        )
    raise PabulibError(f"{what} is not a number: {raw!r}", line)


def format_number(value: Money) -> str:
    """Inverse of :func:`parse_number` for values a pabulib file can hold exactly."""
    if isinstance(value, int) or value.denominator == 1:
        return str(int(value))
    den = value.denominator
    twos = fives = 0
    while den % 2 == 0:
        den //= 2
        twos += 1
    while den % 5 == 0:
        den //= 5
        fives += 1
    if den != 1:
        raise ValueError(f"{value} has no finite decimal form")
    places = max(twos, fives)
    scaled = value * 10**places
    assert scaled.denominator == 1
    digits = str(abs(scaled.numerator)).rjust(places + 1, "0")
    sign = "-" if value < 0 else ""
    return f"{sign}{digits[:-places]}.{digits[-places:]}"


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


# --------------------------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------------------------


def load(path: str | Path) -> Election:
    return loads(Path(path).read_text(encoding="utf-8-sig"))


def loads(text: str) -> Election:
    """Parse a pabulib file's text (a leading BOM and CRLF line ends are accepted)."""
    text = text.removeprefix("\ufeff")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=";")
    sections: dict[str, list[tuple[int, list[str]]]] = {}
    section_line: dict[str, int] = {}
    current: str | None = None
    last = 0
    for row in reader:
        line = last + 1
        last = reader.line_num
        if not row or all(not cell.strip() for cell in row):
            continue
        head = row[0].strip().lower()
        if head in SECTIONS and all(not cell.strip() for cell in row[1:]):
            if head in sections:
                raise PabulibError(f"second {head.upper()} section", line)
            current = head
            sections[head] = []
            section_line[head] = line
            continue
        if current is None:
            raise PabulibError("expected a META, PROJECTS or VOTES section first", line)
        sections[current].append((line, [cell.strip() for cell in row]))
    for name in SECTIONS:
        if name not in sections:
            raise PabulibError(f"missing {name.upper()} section")
        if not sections[name]:
            raise PabulibError(f"{name.upper()} section has no header line", section_line[name])

    meta, meta_lines = _read_meta(sections["meta"], section_line["meta"])
    project_columns, projects = _read_projects(sections["projects"])
    vote_columns, votes = _read_votes(sections["votes"], projects, meta["vote_type"])
    return Election(meta, projects, votes, project_columns, vote_columns, meta_lines)


def _read_meta(
    rows: list[tuple[int, list[str]]], section_line: int
) -> tuple[dict[str, str], dict[str, int]]:
    meta: dict[str, str] = {}
    lines: dict[str, int] = {}
    for line, row in rows[1:]:
        if len(row) != 2:
            raise PabulibError(
                f"META lines need 2 fields (key;value), found {len(row)}; quote values "
                "that contain ';'",
                line,
            )
        key, value = row
        if key in meta:
            raise PabulibError(f"duplicate META key {key!r}", line)
        meta[key] = value
        lines[key] = line
    if "budget" not in meta:
        raise PabulibError("META has no budget", section_line)
    parse_number(meta["budget"], "the budget", lines["budget"])
    if "vote_type" not in meta:
        raise PabulibError("META has no vote_type", section_line)
    if meta["vote_type"] not in VOTE_TYPES:
        raise PabulibError(
            f"unknown vote_type {meta['vote_type']!r} (expected one of {', '.join(VOTE_TYPES)})",
            lines["vote_type"],
        )
    if meta.get("min_project_score_threshold", "").strip():
        what = "min_project_score_threshold"
        parse_number(meta[what], what, lines[what])
    return meta, lines


def _header(row: list[str], line: int, section: str, required: tuple[str, ...]) -> list[str]:
    for column in required:
        if column not in row:
            raise PabulibError(f"{section} header has no {column!r} column", line)
    if len(set(row)) != len(row):
        raise PabulibError(f"{section} header repeats a column", line)
    return row


def _check_width(row: list[str], header: list[str], line: int, section: str) -> None:
    if len(row) != len(header):
        raise PabulibError(
            f"{section} line has {len(row)} fields but the header has {len(header)}", line
        )


def _read_projects(
    rows: list[tuple[int, list[str]]],
) -> tuple[tuple[str, ...], dict[str, Project]]:
    header_line, header = rows[0]
    header = _header(header, header_line, "PROJECTS", ("project_id", "cost"))
    projects: dict[str, Project] = {}
    for line, row in rows[1:]:
        _check_width(row, header, line, "PROJECTS")
        values = dict(zip(header, row, strict=True))
        pid = values.pop("project_id")
        if not pid:
            raise PabulibError("empty project_id", line)
        if pid in projects:
            raise PabulibError(f"duplicate project id {pid!r}", line)
        cost = parse_number(values.pop("cost"), f"the cost of project {pid!r}", line)
        name = values.pop("name", "")
        projects[pid] = Project(pid, cost, name, values)
    return tuple(header), projects


def _read_votes(
    rows: list[tuple[int, list[str]]], projects: dict[str, Project], vote_type: str
) -> tuple[tuple[str, ...], list[Ballot]]:
    header_line, header = rows[0]
    header = _header(header, header_line, "VOTES", ("voter_id", "vote"))
    has_points = "points" in header
    if vote_type in ("cumulative", "scoring") and not has_points:
        raise PabulibError(f"{vote_type} ballots need a 'points' column", header_line)
    votes: list[Ballot] = []
    seen: set[str] = set()
    for line, row in rows[1:]:
        _check_width(row, header, line, "VOTES")
        values = dict(zip(header, row, strict=True))
        voter = values.pop("voter_id")
        if voter in seen:
            raise PabulibError(f"duplicate voter id {voter!r}", line)
        seen.add(voter)
        approvals = tuple(x.strip() for x in values.pop("vote").split(",") if x.strip())
        listed: set[str] = set()
        for pid in approvals:
            if pid not in projects:
                raise PabulibError(f"vote for unknown project {pid!r}", line)
            if pid in listed:
                raise PabulibError(f"voter {voter!r} lists project {pid!r} twice", line)
            listed.add(pid)
        points: tuple[int, ...] | None = None
        if has_points:
            raw = [x.strip() for x in values.pop("points").split(",") if x.strip()]
            if len(raw) != len(approvals):
                raise PabulibError(
                    f"voter {voter!r} lists {_plural(len(approvals), 'project')} but "
                    f"{_plural(len(raw), 'points value')}",
                    line,
                )
            for x in raw:
                if not _POINTS.fullmatch(x):
                    raise PabulibError(f"voter {voter!r} has non-integer points {x!r}", line)
            points = tuple(int(x) for x in raw)
        votes.append(Ballot(voter, approvals, points, values))
    return tuple(header), votes


# --------------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------------


def dump(election: Election, path: str | Path) -> None:
    Path(path).write_text(dumps(election), encoding="utf-8", newline="")


def _columns(
    given: tuple[str, ...] | None, fixed: list[str], extras: list[dict[str, str]]
) -> list[str]:
    columns = list(given) if given is not None else list(fixed)
    for column in fixed:
        if column not in columns:
            columns.append(column)
    for extra in extras:
        for key in extra:
            if key not in columns:
                columns.append(key)
    return columns


def dumps(election: Election) -> str:
    """The election as pabulib text (``\\n`` line ends, minimal quoting)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\n")
    out.write("META\n")
    writer.writerow(["key", "value"])
    for key, value in election.meta.items():
        writer.writerow([key, value])

    out.write("PROJECTS\n")
    fixed = ["project_id", "cost"]
    if any(p.name for p in election.projects.values()):
        fixed.append("name")
    columns = _columns(
        election.project_columns, fixed, [p.extra for p in election.projects.values()]
    )
    writer.writerow(columns)
    for project in election.projects.values():
        own = {"project_id": project.id, "cost": format_number(project.cost), "name": project.name}
        writer.writerow([own[c] if c in own else project.extra.get(c, "") for c in columns])

    out.write("VOTES\n")
    fixed = ["voter_id", "vote"]
    if any(b.points is not None for b in election.votes):
        fixed.append("points")
    columns = _columns(election.vote_columns, fixed, [b.extra for b in election.votes])
    writer.writerow(columns)
    for ballot in election.votes:
        own = {
            "voter_id": ballot.voter_id,
            "vote": ",".join(ballot.approvals),
            "points": ",".join(str(x) for x in ballot.points or ()),
        }
        writer.writerow([own[c] if c in own else ballot.extra.get(c, "") for c in columns])
    return out.getvalue()

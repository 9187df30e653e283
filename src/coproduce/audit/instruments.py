"""Instruments as data: sections of items on an answer scale, a ladder question and bands.

A document is YAML or JSON. It is read through PyYAML's composer (nodes keep their line), so
every refusal names the line of the node at fault: ``line 12: item ASSETS3 has no scale``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

DEFAULT_PATH = Path(__file__).parent / "data" / "instruments" / "default.yaml"
MAX_TEXT = 200_000
MAX_ITEMS = 300
DONT_KNOW = "Don't know"

_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,59}$")
_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$")
_INT_TAG = "tag:yaml.org,2002:int"
_NULL_TAG = "tag:yaml.org,2002:null"


@dataclass(frozen=True)
class ScalePoint:
    value: int
    label: str


@dataclass(frozen=True)
class Scale:
    min: int
    max: int
    points: tuple[ScalePoint, ...]
    dont_know: str = DONT_KNOW

    def label_for(self, value: int) -> str | None:
        for point in self.points:
            if point.value == value:
                return point.label
        return None


@dataclass(frozen=True)
class Item:
    code: str
    text: str
    scale: Scale


@dataclass(frozen=True)
class Section:
    code: str
    title: str
    description: str
    items: tuple[Item, ...]


@dataclass(frozen=True)
class Rung:
    code: str
    label: str


@dataclass(frozen=True)
class Ladder:
    code: str
    question: str
    rungs: tuple[Rung, ...]
    attribution: str

    def rung_for(self, answer: str) -> Rung | None:
        """The rung whose code or label is ``answer``, ignoring case and outer spaces."""
        wanted = answer.strip().casefold()
        for rung in self.rungs:
            if wanted in (rung.code.casefold(), rung.label.casefold()):
                return rung
        return None


@dataclass(frozen=True)
class Band:
    min_score: Decimal  # lower bound, inclusive; a band runs up to the next band's bound
    label: str


@dataclass(frozen=True)
class Instrument:
    id: str
    version: int
    title: str
    scale: Scale
    sections: tuple[Section, ...]
    ladder: Ladder | None
    bands: tuple[Band, ...]
    attribution: str

    def items(self) -> tuple[Item, ...]:
        return tuple(item for section in self.sections for item in section.items)

    def item(self, code: str) -> Item | None:
        for item in self.items():
            if item.code == code:
                return item
        return None

    def section_of(self, item_code: str) -> Section | None:
        for section in self.sections:
            if any(item.code == item_code for item in section.items):
                return section
        return None

    def band_for(self, score: Decimal | None) -> str | None:
        if score is None:
            return None
        found = None
        for band in self.bands:
            if score >= band.min_score:
                found = band.label
        return found

    def as_document(self) -> dict[str, Any]:
        document: dict[str, Any] = {
            "id": self.id,
            "version": self.version,
            "title": self.title,
            "attribution": self.attribution,
            "scale": _scale_document(self.scale),
            "sections": [
                {
                    "code": section.code,
                    "title": section.title,
                    "description": section.description,
                    "items": [_item_document(item, self.scale) for item in section.items],
                }
                for section in self.sections
            ],
            "bands": [
                {"min_score": _decimal_document(band.min_score), "label": band.label}
                for band in self.bands
            ],
        }
        if self.ladder is not None:
            document["ladder"] = {
                "code": self.ladder.code,
                "question": self.ladder.question,
                "attribution": self.ladder.attribution,
                "rungs": [{"code": r.code, "label": r.label} for r in self.ladder.rungs],
            }
        return document

    def summary(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "version": self.version,
            "scale": {"min": self.scale.min, "max": self.scale.max},
            "sections": [
                {
                    "code": section.code,
                    "title": section.title,
                    "items": [{"code": item.code, "text": item.text} for item in section.items],
                }
                for section in self.sections
            ],
        }


def _scale_document(scale: Scale) -> dict[str, Any]:
    return {
        "min": scale.min,
        "max": scale.max,
        "labels": {str(point.value): point.label for point in scale.points},
        "dont_know": scale.dont_know,
    }


def _item_document(item: Item, default: Scale) -> dict[str, Any]:
    document: dict[str, Any] = {"code": item.code, "text": item.text}
    if item.scale != default:
        document["scale"] = _scale_document(item.scale)
    return document


def _decimal_document(value: Decimal) -> int | str:
    return int(value) if value == value.to_integral_value() else str(value)


class InstrumentError(ValueError):
    """An instrument refused; ``line`` is 1-based, None when no line applies."""

    def __init__(self, line: int | None, reason: str, *, source: str = "<text>") -> None:
        self.line = line
        self.reason = reason
        self.source = source
        super().__init__(f"line {line}: {reason}" if line is not None else reason)


# --- reading nodes -------------------------------------------------------------------------


class _Reader:
    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, node: Node | None, reason: str) -> InstrumentError:
        line = node.start_mark.line + 1 if node is not None else None
        return InstrumentError(line, reason, source=self.source)

    def mapping(
        self, node: Node, what: str, *, required: tuple[str, ...], optional: tuple[str, ...]
    ) -> dict[str, tuple[Node, Node]]:
        if not isinstance(node, MappingNode):
            raise self.fail(node, f"{what} must be a mapping of keys to values")
        found: dict[str, tuple[Node, Node]] = {}
        allowed = required + optional
        for key, value in node.value:
            if not isinstance(key, ScalarNode):
                raise self.fail(key, f"{what} has a key that is not a name")
            name = str(key.value)
            if name in found:
                raise self.fail(key, f"{what} has the key '{name}' twice")
            if name not in allowed:
                raise self.fail(
                    key, f"unknown key '{name}' in {what} (expected {', '.join(allowed)})"
                )
            found[name] = (key, value)
        for name in required:
            if name not in found:
                raise self.fail(node, f"{what} has no '{name}'")
        return found

    def sequence(self, node: Node, what: str, *, empty: bool = False) -> list[Node]:
        if not isinstance(node, SequenceNode):
            raise self.fail(node, f"{what} must be a list")
        if not node.value and not empty:
            raise self.fail(node, f"{what} must not be empty")
        return list(node.value)

    def text(self, node: Node, what: str, *, limit: int, blank: bool = False) -> str:
        if isinstance(node, ScalarNode) and node.tag == _NULL_TAG and node.value in ("", "~"):
            value = ""
        elif isinstance(node, ScalarNode):
            value = str(node.value).strip()
        else:
            raise self.fail(node, f"{what} must be text")
        if not value and not blank:
            raise self.fail(node, f"{what} must not be empty")
        if len(value) > limit:
            raise self.fail(node, f"{what} is longer than {limit} characters")
        return value

    def integer(self, node: Node, what: str, *, quoted_ok: bool = False) -> int:
        if isinstance(node, ScalarNode) and (
            node.tag == _INT_TAG or (quoted_ok and re.fullmatch(r"-?[0-9]{1,6}", node.value))
        ):
            try:
                return int(str(node.value).replace("_", ""), 0 if node.tag == _INT_TAG else 10)
            except ValueError:
                pass
        raise self.fail(node, f"{what} must be a whole number")

    def code(self, node: Node, what: str, pattern: re.Pattern[str] = _CODE) -> str:
        value = self.text(node, what, limit=60)
        if not pattern.match(value):
            raise self.fail(
                node,
                f"{what} '{value}' must be letters, digits, '_', '-' or '.', at most "
                f"{40 if pattern is _CODE else 60} characters",
            )
        return value


def _read_scale(reader: _Reader, node: Node, what: str) -> Scale:
    keys = reader.mapping(node, what, required=("min", "max", "labels"), optional=("dont_know",))
    low = reader.integer(keys["min"][1], f"{what} min")
    high = reader.integer(keys["max"][1], f"{what} max")
    if low < 0:
        raise reader.fail(keys["min"][1], f"{what} min must be 0 or more")
    if high > 100:
        raise reader.fail(keys["max"][1], f"{what} max must be 100 or less")
    if low >= high:
        raise reader.fail(node, f"{what} min ({low}) must be less than max ({high})")
    labels_node = keys["labels"][1]
    labels: dict[int, str] = {}
    if isinstance(labels_node, MappingNode):
        for key, value in labels_node.value:
            number = reader.integer(key, f"{what} label value", quoted_ok=True)
            if number in labels:
                raise reader.fail(key, f"{what} labels the value {number} twice")
            if not low <= number <= high:
                raise reader.fail(key, f"{what} labels {number}, outside {low} to {high}")
            labels[number] = reader.text(value, f"{what} label for {number}", limit=80)
    elif isinstance(labels_node, SequenceNode):
        if len(labels_node.value) != high - low + 1:
            raise reader.fail(
                labels_node,
                f"{what} labels must cover every value from {low} to {high}: "
                f"{high - low + 1} labels, {len(labels_node.value)} given",
            )
        for offset, value in enumerate(labels_node.value):
            labels[low + offset] = reader.text(value, f"{what} label", limit=80)
    else:
        raise reader.fail(labels_node, f"{what} labels must be a mapping of value to label")
    missing = [str(n) for n in range(low, high + 1) if n not in labels]
    if missing:
        raise reader.fail(
            labels_node,
            f"{what} labels must cover every value from {low} to {high}: "
            f"missing {', '.join(missing)}",
        )
    seen: set[str] = set()
    for number in range(low, high + 1):
        folded = labels[number].casefold()
        if folded in seen:
            raise reader.fail(labels_node, f"{what} has the label '{labels[number]}' twice")
        seen.add(folded)
    dont_know = DONT_KNOW
    if "dont_know" in keys:
        dont_know = reader.text(keys["dont_know"][1], f"{what} dont_know", limit=80)
    points = tuple(ScalePoint(n, labels[n]) for n in range(low, high + 1))
    return Scale(min=low, max=high, points=points, dont_know=dont_know)


def _read_ladder(reader: _Reader, node: Node, item_codes: set[str]) -> Ladder:
    keys = reader.mapping(
        node, "the ladder", required=("code", "question", "rungs"), optional=("attribution",)
    )
    code = reader.code(keys["code"][1], "the ladder's code")
    if code in item_codes:
        raise reader.fail(keys["code"][1], f"the ladder's code '{code}' is also an item's code")
    rungs: list[Rung] = []
    codes: set[str] = set()
    labels: set[str] = set()
    rung_nodes = reader.sequence(keys["rungs"][1], "the ladder's rungs")
    if len(rung_nodes) < 2:
        raise reader.fail(keys["rungs"][1], "the ladder needs at least 2 rungs")
    for rung_node in rung_nodes:
        rung_keys = reader.mapping(rung_node, "a rung", required=("code", "label"), optional=())
        rung_code = reader.code(rung_keys["code"][1], "a rung's code")
        label = reader.text(rung_keys["label"][1], f"rung {rung_code}'s label", limit=80)
        # The CSV takes a rung's code or its label, ignoring case: neither may repeat.
        for name in (rung_code, label):
            if name.casefold() in codes | labels:
                raise reader.fail(rung_node, f"the ladder has the rung '{name}' twice")
        codes.add(rung_code.casefold())
        labels.add(label.casefold())
        rungs.append(Rung(rung_code, label))
    attribution = ""
    if "attribution" in keys:
        attribution = reader.text(
            keys["attribution"][1], "the ladder's attribution", limit=500, blank=True
        )
    question = reader.text(keys["question"][1], "the ladder's question", limit=500)
    return Ladder(code=code, question=question, rungs=tuple(rungs), attribution=attribution)


def _read_bands(reader: _Reader, node: Node, scale: Scale) -> tuple[Band, ...]:
    bands: list[Band] = []
    for band_node in reader.sequence(node, "bands", empty=True):
        keys = reader.mapping(band_node, "a band", required=("min_score", "label"), optional=())
        bound_node = keys["min_score"][1]
        try:
            if not isinstance(bound_node, ScalarNode):
                raise InvalidOperation
            bound = Decimal(str(bound_node.value))
        except InvalidOperation:
            raise reader.fail(bound_node, "a band's min_score must be a number") from None
        if not bound.is_finite() or not scale.min <= bound <= scale.max:
            raise reader.fail(
                bound_node,
                f"a band's min_score ({bound_node.value}) must be within the scale, "
                f"{scale.min} to {scale.max}",
            )
        if bands and bound <= bands[-1].min_score:
            raise reader.fail(
                bound_node,
                f"bands must be in order of rising min_score: {bound_node.value} after "
                f"{bands[-1].min_score}",
            )
        label = reader.text(keys["label"][1], "a band's label", limit=80)
        bands.append(Band(min_score=bound, label=label))
    return tuple(bands)


def _read_instrument(reader: _Reader, root: Node) -> Instrument:
    keys = reader.mapping(
        root,
        "the instrument",
        required=("id", "version", "title", "sections"),
        optional=("attribution", "scale", "ladder", "bands"),
    )
    instrument_id = reader.code(keys["id"][1], "the instrument's id", _ID)
    version = reader.integer(keys["version"][1], "version")
    if not 1 <= version <= 1_000_000:
        raise reader.fail(keys["version"][1], "version must be from 1 to 1000000")
    title = reader.text(keys["title"][1], "the title", limit=200)
    attribution = ""
    if "attribution" in keys:
        attribution = reader.text(keys["attribution"][1], "attribution", limit=1000, blank=True)
    default_scale = _read_scale(reader, keys["scale"][1], "the scale") if "scale" in keys else None

    sections: list[Section] = []
    section_codes: set[str] = set()
    item_codes: set[str] = set()
    for section_node in reader.sequence(keys["sections"][1], "sections"):
        section_keys = reader.mapping(
            section_node,
            "a section",
            required=("code", "title", "items"),
            optional=("description",),
        )
        code = reader.code(section_keys["code"][1], "a section's code")
        if code in section_codes:
            raise reader.fail(section_keys["code"][1], f"the section code '{code}' is used twice")
        section_codes.add(code)
        section_title = reader.text(section_keys["title"][1], f"section {code}'s title", limit=200)
        description = ""
        if "description" in section_keys:
            description = reader.text(
                section_keys["description"][1],
                f"section {code}'s description",
                limit=2000,
                blank=True,
            )
        items: list[Item] = []
        for item_node in reader.sequence(section_keys["items"][1], f"section {code}'s items"):
            item_keys = reader.mapping(
                item_node, "an item", required=("code", "text"), optional=("scale",)
            )
            item_code = reader.code(item_keys["code"][1], "an item's code")
            if item_code in item_codes:
                raise reader.fail(
                    item_keys["code"][1], f"the item code '{item_code}' is used twice"
                )
            item_codes.add(item_code)
            if len(item_codes) > MAX_ITEMS:
                raise reader.fail(item_node, f"an instrument has at most {MAX_ITEMS} items")
            text = reader.text(item_keys["text"][1], f"item {item_code}'s text", limit=500)
            if "scale" in item_keys:
                scale = _read_scale(reader, item_keys["scale"][1], f"item {item_code}'s scale")
            elif default_scale is not None:
                scale = default_scale
            else:
                raise reader.fail(
                    item_node,
                    f"item {item_code} has no scale, and the instrument has no scale for it "
                    "to inherit",
                )
            items.append(Item(code=item_code, text=text, scale=scale))
        sections.append(
            Section(code=code, title=section_title, description=description, items=tuple(items))
        )
    scale_of_instrument = default_scale or sections[0].items[0].scale
    ladder = _read_ladder(reader, keys["ladder"][1], item_codes) if "ladder" in keys else None
    bands: tuple[Band, ...] = ()
    if "bands" in keys:
        bands = _read_bands(reader, keys["bands"][1], scale_of_instrument)
    return Instrument(
        id=instrument_id,
        version=version,
        title=title,
        scale=scale_of_instrument,
        sections=tuple(sections),
        ladder=ladder,
        bands=bands,
        attribution=attribution,
    )


def _compose(text: str, source: str) -> Node:
    if text.lstrip().startswith("{"):
        try:
            json.loads(text)
        except json.JSONDecodeError as error:
            raise InstrumentError(error.lineno, error.msg, source=source) from None
        # Valid JSON holds tabs only between tokens, where YAML refuses some of them.
        text = text.replace("\t", " ")
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = error.problem or error.context or "the text does not parse"
        if error.problem and error.context and error.context_mark is not None:
            problem = f"{problem} ({error.context} at line {error.context_mark.line + 1})"
        raise InstrumentError(line, problem, source=source) from None
    except yaml.YAMLError as error:
        raise InstrumentError(None, str(error), source=source) from None
    if root is None:
        raise InstrumentError(1, "the instrument is empty", source=source)
    return root


def instrument_parse(text: str, *, source: str = "<text>") -> Instrument:
    """Read an instrument from YAML or JSON text; raises InstrumentError naming the line."""
    if len(text) > MAX_TEXT:
        raise InstrumentError(None, f"the instrument is longer than {MAX_TEXT} characters")
    text = text.removeprefix("\ufeff")
    return _read_instrument(_Reader(source), _compose(text, source))


def instrument_load(path: str | Path) -> Instrument:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise InstrumentError(None, f"cannot read {path}: {error}", source=str(path)) from None
    return instrument_parse(text, source=str(path))


_default_cache: list[Instrument] = []


def instrument_default() -> Instrument:
    """The shipped default instrument (read once per process)."""
    if not _default_cache:
        _default_cache.append(instrument_load(DEFAULT_PATH))
    return _default_cache[0]


def instrument_from_document(document: dict[str, Any]) -> Instrument:
    """The instrument a database copy's ``document`` holds (as written by ``as_document``)."""
    return instrument_parse(json.dumps(document, ensure_ascii=False, indent=1))


def instrument_text(instrument: Instrument) -> str:
    """The YAML an editor shows for ``instrument``; ``instrument_parse`` reads it back."""
    dump: Callable[..., str] = yaml.safe_dump
    return dump(instrument.as_document(), sort_keys=False, allow_unicode=True, width=96)


def key_line(text: str, key: str) -> int | None:
    """The line of the top-level ``key`` in YAML or JSON text that parses, else None."""
    try:
        root = _compose(text.removeprefix("\ufeff"), "<text>")
    except InstrumentError:
        return None
    if isinstance(root, MappingNode):
        for key_node, value_node in root.value:
            if isinstance(key_node, ScalarNode) and key_node.value == key:
                return int(value_node.start_mark.line) + 1
    return None

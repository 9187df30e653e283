"""``coproduce audit instrument|score``: show an instrument, score a paper round's CSV."""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from coproduce.audit.instruments import (
    Instrument,
    InstrumentError,
    instrument_default,
    instrument_load,
)
from coproduce.audit.scoring import GroupScore, responses_from_csv, score


def _instrument(name: str) -> Instrument:
    try:
        return instrument_default() if name == "default" else instrument_load(name)
    except InstrumentError as error:
        raise CommandError(f"{name}: {error}") from error


def _threshold(value: str) -> int:
    import argparse

    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError("threshold must be a whole number") from None
    if not 1 <= number <= 100:
        raise argparse.ArgumentTypeError("threshold must be from 1 to 100")
    return number


def _shown(group: GroupScore) -> str:
    if group.score is None:
        return f"— ({group.respondents})"
    return f"{group.score} ({group.respondents}, {group.band or 'no band'})"


class Command(BaseCommand):
    help = "Audit: print an instrument, score answers from a CSV (a paper round)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        show = sub.add_parser("instrument", help="Print an instrument: 'default' or a file.")
        show.add_argument("instrument", help="'default' or a YAML/JSON file.")
        show.add_argument("--json", action="store_true", help="Print one JSON object.")
        scoring = sub.add_parser(
            "score", help="Score a CSV of respondent, group, item, answer (empty = don't know)."
        )
        scoring.add_argument("answers", help="The CSV file.")
        scoring.add_argument("--instrument", default="default", help="'default' or a file.")
        scoring.add_argument("--threshold", type=_threshold, default=5)
        scoring.add_argument("--json", action="store_true", help="Print one JSON object.")

    def handle(self, *args: object, **options: object) -> None:
        if options["action"] == "instrument":
            self._instrument(_instrument(str(options["instrument"])), bool(options["json"]))
        else:
            self._score(options)

    def _instrument(self, instrument: Instrument, as_json: bool) -> None:
        if as_json:
            self.stdout.write(json.dumps(instrument.summary(), indent=2, ensure_ascii=False))
            return
        lines = [f"{instrument.title} ({instrument.id}, version {instrument.version})"]
        scale = instrument.scale
        labels = ", ".join(f"{p.value} {p.label}" for p in scale.points)
        lines.append(f"Scale: {labels}; or {scale.dont_know}")
        for section in instrument.sections:
            lines.append("")
            lines.append(f"{section.title} [{section.code}]")
            lines.extend(f"  {item.code}  {item.text}" for item in section.items)
        if instrument.ladder is not None:
            ladder = instrument.ladder
            lines.append("")
            lines.append(f"{ladder.question} [{ladder.code}]")
            lines.append("  " + ", ".join(f"{r.label} ({r.code})" for r in ladder.rungs))
            if ladder.attribution:
                lines.append(f"  {ladder.attribution}")
        if instrument.bands:
            lines.append("")
            lines.append(
                "Bands: " + ", ".join(f"{b.label} from {b.min_score}" for b in instrument.bands)
            )
        self.stdout.write("\n".join(lines))

    def _score(self, options: dict[str, object]) -> None:
        instrument = _instrument(str(options["instrument"]))
        path = Path(str(options["answers"]))
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(f"cannot read {path}: {error}") from error
        responses, errors = responses_from_csv(text, instrument)
        if errors:
            for problem in errors:
                self.stderr.write(f"{path}: {problem}")
            raise CommandError(f"{path}: {len(errors)} bad rows; nothing scored.")
        result = score(instrument, responses, threshold=int(str(options["threshold"])))
        if options["json"]:
            self.stdout.write(json.dumps(result.as_json(), indent=2))
            return
        header = f"{'Section':<40} {'Staff':<28} {'Members':<28} Gap"
        lines = [f"Threshold: {result.threshold} respondents", header]
        for row in (*result.sections, result.overall):
            gap = str(row.gap) if row.gap is not None else "—"
            lines.append(f"{row.title:<40} {_shown(row.staff):<28} {_shown(row.member):<28} {gap}")
        self.stdout.write("\n".join(lines))

"""An evaluation report's figures laid out as tables, once, for the PDF and the spreadsheet.

Cells are typed, so each writer shows them its own way: the PDF as text ("£1,234.50"), the
spreadsheet as numbers with a format (pounds as pounds, never text). A suppressed figure is
``NotShown``, the same words in both."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from coproduce.framework.amounts import MINUS


@dataclass(frozen=True)
class Pounds:
    pence: int

    @property
    def value(self) -> Decimal:
        return Decimal(self.pence).scaleb(-2)

    def __str__(self) -> str:
        pounds, pence = divmod(abs(self.pence), 100)
        return f"{MINUS if self.pence < 0 else ''}£{pounds:,}.{pence:02d}"


@dataclass(frozen=True)
class Hours:
    """Whole minutes shown as hours to 2 places."""

    minutes: int

    @property
    def value(self) -> Decimal:
        return (Decimal(self.minutes) / 60).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)

    def __str__(self) -> str:
        return f"{self.value:,}"


@dataclass(frozen=True)
class Number:
    """A count or a ratio; ``places`` fixes how many decimal places are shown."""

    value: int | float | Decimal
    places: int = 0

    def __str__(self) -> str:
        return f"{Decimal(str(self.value)):,.{self.places}f}"


@dataclass(frozen=True)
class Percent:
    """A share from 0 to 1, shown as per cent to 1 place."""

    share: float

    @property
    def value(self) -> Decimal:
        return Decimal(str(self.share))

    def __str__(self) -> str:
        return f"{Decimal(str(self.share)) * 100:.1f}%"


@dataclass(frozen=True)
class NotShown:
    threshold: int

    def __str__(self) -> str:
        return f"Not shown (fewer than {self.threshold})"


Cell = str | Pounds | Hours | Number | Percent | NotShown | None


@dataclass
class Table:
    header: list[str]
    rows: list[list[Cell]] = field(default_factory=list)
    title: str = ""
    total_row: bool = False  # the last row is a total, drawn in bold


@dataclass
class Section:
    title: str  # also the spreadsheet's sheet name: 31 characters at most
    tables: list[Table]
    notes: list[str] = field(default_factory=list)


def _pounds(pence: int | None, threshold: int) -> Cell:
    return NotShown(threshold) if pence is None else Pounds(int(pence))


def _count(value: int | float | None, threshold: int, places: int = 0) -> Cell:
    return NotShown(threshold) if value is None else Number(value, places)


def _day(text: str) -> str:
    return f"{date.fromisoformat(text):%-d %B %Y}"


def period_text(figures: dict[str, Any]) -> str:
    return f"{_day(figures['period_start'])} to {_day(figures['period_end'])}"


def _summary(figures: dict[str, Any], threshold: int) -> Section:
    hours = figures["hours"]
    value = figures["value"]
    rows: list[list[Cell]] = [
        ["Organisation", figures["organisation"]],
        ["Service", figures["service_label"]],
        ["Area", figures["area_label"]],
        ["Period", period_text(figures)],
        ["Price year", value.get("price_year") or figures["price_year"] or "No costs used"],
        [
            "Hours exchanged",
            NotShown(threshold) if hours["minutes"] is None else Hours(hours["minutes"]),
        ],
        ["Exchanges", _count(hours["exchanges"], threshold)],
        ["Active members", _count(hours["active_members"], threshold)],
        ["Value of outcomes, before optimism bias", Pounds(value["gross_pence"])],
        ["Value of outcomes, after optimism bias", Pounds(value["adjusted_pence"])],
        ["of which cashable", Pounds(value["cashable_pence"])],
        ["of which non-cashable", Pounds(value["non_cashable_pence"])],
        ["SROI value maps", Number(len(figures["sroi"]))],
        ["Discounting", figures["discounting"]],
        ["Suppression threshold (people)", Number(threshold)],
    ]
    return Section(
        "Summary",
        [Table(["Item", "Figure"], rows)],
        notes=[figures["suppression_note"]],
    )


def _hours(figures: dict[str, Any], threshold: int) -> Section:
    hours = figures["hours"]
    rows: list[list[Cell]] = []
    for month in hours["by_month"]:
        minutes = month["minutes"]
        rows.append(
            [
                month["label"],
                NotShown(threshold) if minutes is None else Hours(minutes),
                _count(month["exchanges"], threshold),
            ]
        )
    total = hours["minutes"]
    rows.append(
        [
            "Total",
            NotShown(threshold) if total is None else Hours(total),
            _count(hours["exchanges"], threshold),
        ]
    )
    notes = [
        "Exchanges, group sessions and exchanges with other banks, in hours, with a member "
        "of the bank" + (" living in the area" if figures["area"] else "") + " taking part; "
        "reversed transfers are left out. Hours are not kept by service.",
    ]
    if hours["suppressed"]:
        notes.append(
            f"Fewer than {threshold} members took part in the period, so no hours figure is shown."
        )
    else:
        notes.append(f"Active members (took part at least once): {hours['active_members']}.")
    return Section(
        "Hours",
        [Table(["Month", "Hours exchanged", "Exchanges"], rows, total_row=True)],
        notes,
    )


def _outcomes(figures: dict[str, Any], threshold: int) -> Section:
    rows: list[list[Cell]] = [
        [
            row["indicator"],
            row["service"],
            row["unit"],
            Number(row["records"]),
            NotShown(threshold) if row["suppressed"] else Number(row["quantity"] or 0, 2),
        ]
        for row in figures["outcomes"]
    ]
    notes = [
        "Agreed outcome indicators and their verified records whose periods lie inside the "
        "report's period."
    ]
    if not rows:
        notes.append("No agreed outcome indicators.")
    return Section(
        "Outcomes",
        [Table(["Indicator", "Service", "Unit", "Verified records", "Quantity"], rows)],
        notes,
    )


def _wellbeing(figures: dict[str, Any], threshold: int) -> Section:
    rows: list[list[Cell]] = []
    for row in figures["wellbeing"]:
        if row["suppressed"]:
            rows.append([row["label"], NotShown(threshold), *([None] * 6)])
            continue
        rows.append(
            [
                row["label"],
                Number(row["pairs"]),
                Number(row["mean_before"], 2),
                Number(row["mean_after"], 2),
                Number(row["mean_change"], 2),
                Percent(row["share_improved"]),
                Percent(row["share_no_change"]),
                Percent(row["share_worse"]),
            ]
        )
    header = [
        "Measure",
        "People who answered twice",
        "Mean, first answers",
        "Mean, last answers",
        "Mean change",
        "Improved",
        "No change",
        "Worse",
    ]
    notes = [
        "Each person's first and last answers in the period. ONS4 scores are 0 to 10 (for "
        "anxiety, lower is better); SWEMWBS metric scores 7 to 35."
    ]
    return Section("Wellbeing", [Table(header, rows)], notes)


def _value(figures: dict[str, Any], threshold: int) -> Section:
    value = figures["value"]
    holders: list[list[Cell]] = [
        [
            row["label"],
            Pounds(row["cashable_pence"]),
            Pounds(row["non_cashable_pence"]),
            Pounds(row["total_pence"]),
        ]
        for row in value["rows"]
    ]
    holders.append(
        [
            "Total",
            Pounds(value["cashable_pence"]),
            Pounds(value["non_cashable_pence"]),
            Pounds(value["adjusted_pence"]),
        ]
    )
    lines: list[list[Cell]] = []
    for line in value["lines"]:
        split = "; ".join(
            f"{share['label']} {Decimal(str(share['percent'])):g}%"
            + (" (cashable)" if share["cashable"] else "")
            for share in line["shares"]
        )
        lines.append(
            [
                line["indicator"],
                line["service"],
                Number(line["quantity"], 2),
                Pounds(line["unit_value_pence"]),
                f"{line['unit_cost']} ({line['cost_price_year']})",
                Pounds(line["gross_pence"]),
                Number(line["optimism_bias_percent"], 0),
                Pounds(line["adjusted_pence"]),
                split,
            ]
        )
    notes = [value["split_note"]]
    if value.get("price_year"):
        notes.append(f"Pounds at {value['price_year']} prices.")
    if value.get("suppressed_indicators"):
        notes.append(
            f"Left out, as their totals are under {threshold}: "
            + ", ".join(value["suppressed_indicators"])
            + "."
        )
    return Section(
        "Value by budget holder",
        [
            Table(["Budget holder", "Cashable", "Non-cashable", "Total"], holders, total_row=True),
            Table(
                [
                    "Indicator",
                    "Service",
                    "Quantity",
                    "Unit value",
                    "Unit cost (price year)",
                    "Gross value",
                    "Optimism bias %",
                    "Value after bias",
                    "Split",
                ],
                lines,
                title="Outcomes valued",
            ),
        ],
        notes,
    )


def _sroi(figures: dict[str, Any]) -> Section:
    maps: list[list[Cell]] = []
    tables: list[Table] = []
    for entry in figures["sroi"]:
        payback = entry["payback_years"]
        maps.append(
            [
                entry["title"],
                entry["service"],
                Pounds(entry["investment_pence"]),
                Pounds(round(Decimal(str(entry["present_value"])) * 100)),
                Number(entry["ratio"], 2),
                Number(entry["net_ratio"], 2),
                "Not within the value map's years" if payback is None else Number(payback, 2),
                entry["setting"],
            ]
        )
        tables.append(
            Table(
                [
                    "Stakeholder",
                    "Outcome",
                    "Quantity",
                    "Financial proxy",
                    "Deadweight %",
                    "Displacement %",
                    "Attribution %",
                    "Drop-off %",
                    "Years",
                    "Present value",
                ],
                [
                    [
                        row["stakeholder"],
                        row["outcome"],
                        Number(row["quantity"], 2),
                        Pounds(round(Decimal(str(row["financial_proxy"])) * 100)),
                        Number(row["deadweight"], 1),
                        Number(row["displacement"], 1),
                        Number(row["attribution"], 1),
                        Number(row["drop_off"], 1),
                        Number(row["duration"]),
                        Pounds(round(Decimal(str(row["present_value"])) * 100)),
                    ]
                    for row in entry["outcomes"]
                ],
                title=f"{entry['title']}: value map ({entry['setting']})",
            )
        )
    header = [
        "Value map",
        "Service",
        "Investment",
        "Present value",
        "SROI ratio (£ per £1)",
        "Net ratio",
        "Payback (years)",
        "Discounting",
    ]
    notes = [f"Discounting: {figures['discounting']}."]
    if not maps:
        notes.append("No value maps for this service.")
    return Section("SROI", [Table(header, maps), *tables], notes)


NETWORK_MEASURES = (
    ("people", "People on the roster (active members and staff)", 0),
    ("active", "People who took part", 0),
    ("transfers", "Transfers between people", 0),
    ("ties", "Ties (pairs of people who exchanged)", 0),
    ("reciprocated_ties", "Ties both ways", 0),
    ("give_and_receive_share", "Share of people who both gave and received", None),
    ("isolated", "People on the roster with no exchange", 0),
    ("components", "Separate groups (components)", 0),
    ("largest_component", "People in the largest group", 0),
    ("ei_index", "E-I index across areas (-1 within, +1 across)", 4),
    ("ei_index_staff_members", "E-I index between staff and members", 4),
    ("exchanges_per_active", "Transfers per person taking part", 2),
)


def _network(figures: dict[str, Any], threshold: int) -> Section:
    network = figures["network"]
    notes = [
        f"Measured over {network['scope']}: the network is not kept by service or area. "
        "A tie is two people with at least one exchange between them in the period."
    ]
    if network["suppressed"]:
        notes.append(f"Fewer than {threshold} members took part, so no measure is shown.")
        hidden: list[list[Cell]] = [["Every measure", NotShown(threshold)]]
        return Section("Network", [Table(["Measure", "Value"], hidden)], notes)
    rows: list[list[Cell]] = []
    for key, label, places in NETWORK_MEASURES:
        found = network.get(key)
        if found is None:
            rows.append([label, "None (no ties)"])
        elif places is None:
            rows.append([label, Percent(found)])
        else:
            rows.append([label, Number(found, places)])
    rows.append(["Hours exchanged between people", Hours(network["minutes"])])
    per_person = network.get("minutes_per_active")
    if per_person is not None:
        rows.append(["Hours per person taking part", Number(Decimal(str(per_person)) / 60, 2)])
    quarters: list[list[Cell]] = [
        [quarter.replace("-", " "), Number(count)]
        for quarter, count in network.get("new_ties_per_quarter", {}).items()
    ]
    return Section(
        "Network",
        [
            Table(["Measure", "Value"], rows),
            Table(["Quarter", "New ties"], quarters, title="Ties new in each quarter"),
        ],
        notes,
    )


def report_sections(figures: dict[str, Any]) -> list[Section]:
    """Summary, Hours, Outcomes, Wellbeing, Value by budget holder, SROI and Network."""
    threshold = int(figures["suppression_threshold"])
    return [
        _summary(figures, threshold),
        _hours(figures, threshold),
        _outcomes(figures, threshold),
        _wellbeing(figures, threshold),
        _value(figures, threshold),
        _sroi(figures),
        _network(figures, threshold),
    ]

"""A round exported as an anonymised .pb file and imported again counts the same."""

from __future__ import annotations

import random
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from coproduce.budgeting import pabulib, pabulib_io, services, tally
from coproduce.budgeting.models import (
    Ballot,
    BallotKind,
    Budget,
    Phase,
    Proposal,
    Result,
    Round,
    Rule,
)
from coproduce.errors import InvalidInput, PermissionDenied
from coproduce.people.permissions import viewer_for
from tests.budgeting.factories import election, join
from tests.conftest import World, make_person


def _counted(world: World, *, rule: str) -> Budget:
    e = election(world, costs=(40_000, 30_000, 50_000, 20_000), rule=rule)
    a, b, c, d = e.proposals
    ballots = [
        ("member", {a.pk: 1, b.pk: 1}),
        ("staff", {c.pk: 1, d.pk: 1}),
        ("coordinator", {c.pk: 1}),
        ("manager", {a.pk: 1, d.pk: 1}),
        ("admin", {b.pk: 1, d.pk: 1}),
    ]
    for role, choices in ballots:
        services.ballot_cast(viewer=world.viewer(role), budget_id=e.budget.pk, choices=choices)
    services.round_advance(viewer=world.viewer("manager"), round_id=e.round.pk)
    return e.budget


def _selected_titles(budget: Budget) -> set[str]:
    result = Result.objects.get(budget=budget)
    return set(
        Proposal.objects.filter(
            pk__in=result.lines.filter(selected=True).values("proposal_id")
        ).values_list("title", flat=True)
    )


def test_export_is_anonymous_and_recounts_to_the_stored_result(world: World) -> None:
    budget = _counted(world, rule=Rule.MES)
    text = pabulib_io.export_budget(budget)
    for person in world.people.values():
        assert person.full_name not in text
        assert person.user is not None and person.user.email not in text
    parsed = pabulib.loads(text)
    assert [b.voter_id for b in parsed.votes] == ["1", "2", "3", "4", "5"]
    assert parsed.meta["budget"] == "100000" and parsed.meta["cost_unit"] == "pence"
    recount = services_recount(text)
    stored = {pid for pid, project in parsed.projects.items() if project.extra["selected"] == "1"}
    assert set(recount) == stored
    assert {parsed.projects[pid].name for pid in stored} == _selected_titles(budget)


def services_recount(text: str) -> list[str]:
    # The file's own META says how: rule equalshares/add1, shares raised 100 pence a step.
    counted = pabulib_io.tally_text(text)
    assert counted.rule == "equalshares/add1"
    return counted.result.selected


@pytest.mark.parametrize(
    ("rule", "threshold", "meta_rule"),
    [
        (Rule.GREEDY, 0, "greedy"),
        (Rule.GREEDY, 2, "greedy-threshold"),
        (Rule.GREEDY_NO_SKIP, 2, "greedy-no-skip"),
        (Rule.GREEDY_THRESHOLD, 3, "greedy-threshold"),
        (Rule.GREEDY_THRESHOLD, 0, "greedy-threshold"),
        (Rule.MES, 0, "equalshares/add1"),
        (Rule.MES_GREEDY, 0, "unknown"),
    ],
)
def test_export_names_the_rule_and_threshold_so_a_recount_agrees(
    world: World, rule: str, threshold: int, meta_rule: str
) -> None:
    e = election(
        world, costs=(40_000, 30_000, 50_000, 20_000), rule=rule, threshold_votes=threshold
    )
    a, b, c, d = e.proposals
    for role, choices in [
        ("member", {a.pk: 1, b.pk: 1}),
        ("staff", {c.pk: 1, d.pk: 1}),
        ("coordinator", {c.pk: 1}),
        ("manager", {a.pk: 1, d.pk: 1}),
        ("admin", {b.pk: 1, d.pk: 1}),
    ]:
        services.ballot_cast(viewer=world.viewer(role), budget_id=e.budget.pk, choices=choices)
    services.round_advance(viewer=world.viewer("manager"), round_id=e.round.pk)
    text = pabulib_io.export_budget(e.budget)
    parsed = pabulib.loads(text)
    assert parsed.meta["rule"] == meta_rule
    written = threshold or meta_rule == "greedy-threshold"
    assert parsed.meta.get("min_project_score_threshold") == (str(threshold) if written else None)
    stored = {pid for pid, project in parsed.projects.items() if project.extra["selected"] == "1"}
    our_rule = None if meta_rule != "unknown" else rule
    assert set(pabulib_io.tally_text(text, rule=our_rule).result.selected) == stored
    if rule == Rule.MES_GREEDY:
        assert parsed.meta["comment"].startswith("#1: Counted by the Method of Equal Shares")


@pytest.mark.parametrize("rule", [Rule.GREEDY, Rule.MES])
def test_export_then_import_round_trips(world: World, rule: str) -> None:
    budget = _counted(world, rule=rule)
    text = pabulib_io.export_budget(budget)
    imported = services.election_import(
        viewer=world.viewer("manager"), organisation_id=world.org.pk, text=text, rule=rule
    )
    assert imported.phase == Phase.RESULTS
    copy = imported.budgets.get()
    assert copy.amount_pence == budget.amount_pence
    assert Ballot.objects.filter(budget=copy).count() == 5
    assert _selected_titles(copy) == _selected_titles(budget)
    again = pabulib.loads(pabulib_io.export_budget(copy))
    first = pabulib.loads(text)
    assert sorted((p.name, p.cost) for p in again.projects.values()) == sorted(
        (p.name, p.cost) for p in first.projects.values()
    )
    names = {pid: p.name for pid, p in first.projects.items()}
    names_again = {pid: p.name for pid, p in again.projects.items()}
    assert sorted(tuple(sorted(names[p] for p in b.approvals)) for b in first.votes) == sorted(
        tuple(sorted(names_again[p] for p in b.approvals)) for b in again.votes
    )


def test_cumulative_budget_round_trips_with_points(world: World) -> None:
    e = election(world, ballot_kind=BallotKind.CUMULATIVE, points=5, rule=Rule.GREEDY)
    a, b, _ = e.proposals
    services.ballot_cast(
        viewer=world.viewer("member"), budget_id=e.budget.pk, choices={a.pk: 4, b.pk: 1}
    )
    services.round_advance(viewer=world.viewer("manager"), round_id=e.round.pk)
    text = pabulib_io.export_budget(e.budget)
    assert pabulib.loads(text).votes[0].points == (4, 1)
    # pabulib's columns: votes counts the voters, score the points.
    exported = pabulib.loads(text).projects
    assert (
        exported[tally.project_id(a.pk)].extra["votes"],
        exported[tally.project_id(a.pk)].extra["score"],
    ) == ("1", "4")
    imported = services.election_import(
        viewer=world.viewer("manager"), organisation_id=world.org.pk, text=text, rule=Rule.GREEDY
    )
    copy = imported.budgets.get()
    assert (copy.ballot_kind, copy.points) == (BallotKind.CUMULATIVE, 5)
    assert sorted(Ballot.objects.get(budget=copy).choices.values_list("points", flat=True)) == [
        1,
        4,
    ]


def test_import_refuses_a_file_with_a_missing_section_and_writes_nothing(world: World) -> None:
    text = "META\nkey;value\nbudget;100\nPROJECTS\nproject_id;cost\n1;50\n"
    with pytest.raises(InvalidInput) as error:
        services.election_import(
            viewer=world.viewer("manager"), organisation_id=world.org.pk, text=text
        )
    assert error.value.field == "file"
    assert error.value.message == "missing VOTES section"
    assert not Round.objects.exists()


def test_import_refuses_a_vote_for_an_unknown_project(world: World) -> None:
    text = (
        "META\nkey;value\nbudget;100\nvote_type;approval\nPROJECTS\nproject_id;cost\n1;50\n"
        "VOTES\nvoter_id;vote\nv1;1,7\n"
    )
    with pytest.raises(InvalidInput, match=r"^line 10: vote for unknown project '7'$"):
        services.election_import(
            viewer=world.viewer("manager"), organisation_id=world.org.pk, text=text
        )
    assert not Round.objects.exists()
    assert not Ballot.objects.exists()


def test_only_managers_import(world: World) -> None:
    with pytest.raises(PermissionDenied):
        services.election_import(
            viewer=world.viewer("staff"), organisation_id=world.org.pk, text=""
        )


def test_export_and_import_commands(world: World, tmp_path: Path) -> None:
    budget = _counted(world, rule=Rule.GREEDY)
    path = tmp_path / "out.pb"
    call_command("budgeting", "export", str(budget.pk), "-o", str(path), stderr=StringIO())
    assert path.read_text(encoding="utf-8") == pabulib_io.export_budget(budget)
    out = StringIO()
    call_command(
        "budgeting",
        "import",
        str(path),
        "--organisation",
        world.org.slug,
        "--by",
        "manager@a.example.org",
        "--rule",
        "greedy",
        stdout=out,
    )
    assert out.getvalue().startswith("Imported round ")
    with pytest.raises(CommandError, match=r"^There is no budget 999999\.$"):
        call_command("budgeting", "export", "999999")


def test_verify_command_reports_a_balanced_ledger(world: World) -> None:
    out = StringIO()
    call_command("budgeting", "verify", stdout=out)
    assert out.getvalue().strip() == (
        "The ledger balances: every balance equals the sum of its entries."
    )


@pytest.mark.parametrize("rule", [Rule.MES, Rule.MES_GREEDY])
def test_pabutools_recounts_an_exported_round_to_the_same_winners(
    world: World, tmp_path: Path, rule: str
) -> None:
    """Anyone can recount: pabutools reads our file and, stepping shares by 100 pence as the
    file's META says, Equal Shares (add1 alone, or followed by greedy) picks what we stored."""
    pytest.importorskip("pabutools", reason="pabutools (test oracle) is not installed")
    from pabutools.election import Cost_Sat, parse_pabulib
    from pabutools.rules import (
        exhaustion_by_budget_increase,
        greedy_utilitarian_welfare,
        method_of_equal_shares,
    )

    rng = random.Random(7)
    costs = (23_000, 41_000, 17_500, 30_000, 12_000, 55_000)
    e = election(world, costs=costs, amount_pence=100_000, rule=rule)
    voters = [world.viewer(role) for role in ("member", "staff", "coordinator", "manager")]
    for index in range(14):
        person = make_person(f"Voter {index}", f"voter{index}@example.org")
        join(world.org, person, world.people["admin"])
        voters.append(viewer_for(person.user))
    for voter in voters:
        chosen: dict[int, int] = {}
        spent = 0
        for proposal in rng.sample(e.proposals, 3):
            if spent + proposal.cost_pence <= 100_000:
                chosen[proposal.pk] = 1
                spent += proposal.cost_pence
        services.ballot_cast(viewer=voter, budget_id=e.budget.pk, choices=chosen)
    services.round_advance(viewer=world.viewer("manager"), round_id=e.round.pk)
    path = tmp_path / "round.pb"
    path.write_text(pabulib_io.export_budget(e.budget), encoding="utf-8")

    instance, profile = parse_pabulib(str(path))
    step = int(pabulib.loads(path.read_text(encoding="utf-8")).meta["add1_increment"])
    add1 = exhaustion_by_budget_increase(
        instance,
        profile,
        method_of_equal_shares,
        {"sat_class": Cost_Sat},
        budget_step=step * len(profile),
    )
    if rule == Rule.MES_GREEDY:
        add1 = greedy_utilitarian_welfare(
            instance, profile, sat_class=Cost_Sat, initial_budget_allocation=add1
        )
    names = {project.name for project in add1}
    ours = {
        tally.project_id(pk)
        for pk in Result.objects.get(budget=e.budget)
        .lines.filter(selected=True)
        .values_list("proposal_id", flat=True)
    }
    assert names == ours
    assert ours  # something was funded, so the comparison means something


def test_rounds_counted_with_greedy_completion_keep_it_under_its_new_name(world: World) -> None:
    """Migration 0004: "mes" used to mean add1 followed by greedy; rounds set up or counted
    before it keep that rule, now called "mes-greedy"."""
    import importlib

    from django.apps import apps

    migration = importlib.import_module(
        "coproduce.budgeting.migrations.0004_rule_mes_greedy_threshold_score"
    )
    budget = _counted(world, rule=Rule.MES)
    migration.keep_greedy_completion(apps, None)
    budget.refresh_from_db()
    assert budget.rule == Rule.MES_GREEDY
    assert Result.objects.get(budget=budget).rule == Rule.MES_GREEDY
    migration.back_to_mes(apps, None)
    budget.refresh_from_db()
    assert budget.rule == Rule.MES


def test_import_counts_a_file_with_its_own_rule_and_points_threshold(
    world: World, tmp_path: Path
) -> None:
    """A cumulative greedy-threshold file imported without --rule becomes a round counted the
    way pabulib counts it: greedy over the projects with at least 34 points."""
    source = Path(__file__).parent / "data" / "poland_przykladowo_2024_cumulative_example.pb"
    out = StringIO()
    call_command(
        "budgeting",
        "import",
        str(source),
        "--organisation",
        world.org.slug,
        "--by",
        "manager@a.example.org",
        stdout=out,
    )
    budget = Budget.objects.get(round__pk=int(out.getvalue().split()[2].rstrip(":")))
    assert (budget.rule, budget.threshold_votes) == (Rule.GREEDY_THRESHOLD, 34)
    published = {
        p.name for p in pabulib.load(source).projects.values() if p.extra["selected"] == "1"
    }
    assert _selected_titles(budget) == published
    line = Result.objects.get(budget=budget).lines.get(proposal__title="Kino letnie")
    assert line.explanation == "Not eligible: 33 points, below the threshold of 34 points"

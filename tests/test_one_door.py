"""One door per invariant, enforced (STYLE 3; zulip's semgrep rule ``change-user-is-active``
is the idea): an AST scan of ``src/coproduce`` (migrations left out) fails when any module but
the door writes what the door guards.

``RULES`` is the table: each rule names a model (or one of its fields), the one module that
is its door, and the modules exempt from it with the reason. For the ledger the door is
``coproduce.timebank.ledger.posting``: nothing else writes ``Entry`` or ``Transfer`` rows or
changes an account's cached balance. For memberships the door is one function,
``coproduce.people.services.memberships._membership_write``: nothing else, not even the rest
of its module, changes a membership's role or status. A write is any of:

- ``create``/``bulk_create``/``get_or_create``/``update_or_create``/``update``/
  ``bulk_update``/``delete``/``save`` on the model's manager, a queryset or a related manager
  (``Transfer.objects.filter(...).update(...)``, ``original.entries.create(...)``);
- ``save()``/``delete()`` on a name bound to one of its rows (``t = Transfer(...)``,
  ``t = Transfer.objects.get(...)``), and constructing a row (``Entry(...)``);
- for a guarded field: assigning it (``account.balance += 5``), naming it in a write
  (``Account.objects.filter(...).update(balance=...)``, ``save(update_fields=["balance"])``,
  ``bulk_update(accounts, ["balance"])``) or constructing the model with it;
- a raw SQL string that inserts, updates, deletes or copies into the guarded table (for a
  field: ``UPDATE timebank_account SET ... balance``).

Exempt everywhere because it is outside the scan: ``bench/`` (its raw loop is the baseline
the posting door is timed against, bench/ledger.py)."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

import coproduce

SOURCE = Path(coproduce.__file__).parent

WRITES = frozenset(
    {
        "create",
        "bulk_create",
        "get_or_create",
        "update_or_create",
        "update",
        "bulk_update",
        "delete",
        "save",
    }
)
INSTANCE_WRITES = frozenset({"save", "delete"})

LEDGER_DOOR = "coproduce.timebank.ledger.posting"
LEDGER_EXEMPT = {
    # Seeds 100,000 members in bulk for the benchmarks, bypassing the services on purpose;
    # any opening balances it ever writes go the same way.
    "coproduce.people.seeding": "the seeding bulk path",
}


@dataclass(frozen=True)
class Rule:
    model: str
    # Names of related managers and variables that hold the model's rows ("entries").
    holds: frozenset[str]
    # The table raw SQL would write, and for a field rule the guarded column.
    table: str
    door: str
    # Empty: every write of the rows is guarded; else only writes of these fields.
    fields: frozenset[str] = frozenset()
    exempt: dict[str, str] = field(default_factory=dict)
    # Set: the one function of the door module that may write (the rest of it may not).
    door_function: str = ""
    # A field only this model has (an account's balance) counts wherever it is assigned or
    # saved; a common one (a membership's role or status) only on the model's rows.
    field_is_unique: bool = True

    @property
    def name(self) -> str:
        return f"{self.model}.{'/'.join(sorted(self.fields))}" if self.fields else self.model

    @property
    def sql(self) -> re.Pattern[str]:
        table = rf"[\"'`]?{self.table}[\"'`]?(?![\w])"
        if self.fields:
            columns = "|".join(sorted(self.fields))
            return re.compile(rf"\bUPDATE\s+{table}\s+SET\b[^;]*\b({columns})\b", re.I | re.S)
        return re.compile(rf"\b(INSERT\s+INTO|UPDATE|DELETE\s+FROM|COPY)\s+{table}", re.I)


RULES = [
    Rule(
        model="Entry",
        holds=frozenset({"entries"}),
        table="timebank_entry",
        door=LEDGER_DOOR,
        exempt=LEDGER_EXEMPT,
    ),
    Rule(
        model="Transfer",
        holds=frozenset({"transfers", "timebank_transfers", "reversed_by"}),
        table="timebank_transfer",
        door=LEDGER_DOOR,
        exempt=LEDGER_EXEMPT,
    ),
    Rule(
        model="Account",
        holds=frozenset({"accounts", "timebank_accounts"}),
        table="timebank_account",
        fields=frozenset({"balance"}),
        door=LEDGER_DOOR,
        exempt=LEDGER_EXEMPT,
    ),
    # Exactly one function changes a membership's role or status (and saves a new one).
    Rule(
        model="Membership",
        holds=frozenset({"membership", "memberships"}),
        table="people_membership",
        fields=frozenset({"role", "status"}),
        door="coproduce.people.services.memberships",
        door_function="_membership_write",
        field_is_unique=False,
        exempt={
            # Seeds 100,000 active members in bulk for the benchmarks, bypassing the services
            # on purpose; it runs the activation hooks itself (people/seeding.py).
            "coproduce.people.seeding": "the seeding bulk path",
        },
    ),
]


@dataclass(frozen=True)
class Violation:
    module: str
    function: str
    line: int
    what: str

    def __str__(self) -> str:
        return f"{self.module}:{self.line} in {self.function or '<module>'}: {self.what}"


def _receivers(node: ast.AST) -> Iterator[ast.AST]:
    """Each receiver along ``a.b(...).c[0].d``, innermost last."""
    while True:
        yield node
        if isinstance(node, ast.Attribute | ast.Subscript):
            node = node.value
        elif isinstance(node, ast.Call):
            node = node.func
        else:
            return


def _strings(nodes: list[ast.expr]) -> set[str]:
    return {
        node.value
        for argument in nodes
        for node in ast.walk(argument)
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    }


def _names_fields(call: ast.Call, rule: Rule) -> bool:
    """Does the call write one of the rule's fields (every write, for a rows rule)?"""
    if not rule.fields:
        return True
    words = {keyword.arg for keyword in call.keywords}
    if None in words:  # **kwargs: cannot tell, so it counts
        return True
    arguments = [*call.args, *(keyword.value for keyword in call.keywords)]
    return bool(words & rule.fields or _strings(arguments) & rule.fields)


class _Scanner(ast.NodeVisitor):
    def __init__(self, module: str, rule: Rule) -> None:
        self.module, self.rule = module, rule
        self.function: list[str] = []
        self.found: list[Violation] = []
        # Per function: local names bound to the model's rows or querysets.
        self.held: list[set[str]] = [set()]

    def _holds(self, node: ast.AST) -> bool:
        if isinstance(node, ast.Name):
            # A local named like the rows (``membership = _locked_membership(pk)``) holds them.
            return node.id in {self.rule.model, *self.held[-1], *self.rule.holds}
        return isinstance(node, ast.Attribute) and node.attr in self.rule.holds

    def _bind(self, target: ast.AST, value: ast.AST | None, annotation: ast.AST | None) -> None:
        typed = annotation is not None and re.search(
            rf"\b{self.rule.model}\b", ast.unparse(annotation)
        )
        fetched = value is not None and any(self._holds(node) for node in _receivers(value))
        if isinstance(target, ast.Name) and (typed or fetched):
            self.held[-1].add(target.id)

    def _flag(self, node: ast.AST, what: str) -> None:
        line = getattr(node, "lineno", 0)
        self.found.append(Violation(self.module, ".".join(self.function), line, what))

    def _visit_function(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self.function.append(node.name)
        self.held.append(set())
        arguments = node.args
        for argument in [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]:
            self._bind(ast.Name(argument.arg), None, argument.annotation)
        self.generic_visit(node)
        self.held.pop()
        self.function.pop()

    visit_FunctionDef = _visit_function
    visit_AsyncFunctionDef = _visit_function

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        self.function.append(node.name)
        self.generic_visit(node)
        self.function.pop()

    def _target(self, target: ast.AST) -> None:
        if isinstance(target, ast.Tuple | ast.List):
            for element in target.elts:
                self._target(element)
        elif (
            isinstance(target, ast.Attribute)
            and target.attr in self.rule.fields
            and (self.rule.field_is_unique or self._holds(target.value))
        ):
            # Only the ledger's accounts have a balance; any assignment to one counts.
            self._flag(target, f"assigns {ast.unparse(target)}")

    def visit_Assign(self, node: ast.Assign) -> None:
        for target in node.targets:
            self._target(target)
            self._bind(target, node.value, None)
        self.generic_visit(node)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        self._target(node.target)
        self.generic_visit(node)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        self._target(node.target)
        self._bind(node.target, node.value, node.annotation)
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        rule, func = self.rule, node.func
        if isinstance(func, ast.Name) and func.id == rule.model and _names_fields(node, rule):
            self._flag(node, f"constructs {rule.name}")
        elif isinstance(func, ast.Attribute) and func.attr in WRITES:
            on_rows = any(self._holds(receiver) for receiver in _receivers(func.value))
            if on_rows and _names_fields(node, rule):
                self._flag(node, f"calls {ast.unparse(func)}(...)")
            elif (
                rule.fields
                and rule.field_is_unique
                and func.attr == "save"
                and _names_fields(node, rule)
            ):
                # save(update_fields=["balance"]) writes the field whatever holds it.
                self._flag(node, f"calls {ast.unparse(func)}(update_fields=...)")
        self.generic_visit(node)

    def visit_Constant(self, node: ast.Constant) -> None:
        if isinstance(node.value, str) and self.rule.sql.search(node.value):
            self._flag(node, f"raw SQL writes {self.rule.table}")

    def visit_JoinedStr(self, node: ast.JoinedStr) -> None:
        text = "".join(
            part.value if isinstance(part, ast.Constant) else "{}" for part in node.values
        )
        if self.rule.sql.search(text):
            self._flag(node, f"raw SQL writes {self.rule.table}")


def scan(source: str, *, module: str, rule: Rule) -> list[Violation]:
    """The rule's violations in ``source``, as if it were ``module`` (none in the door, or
    in its door function)."""
    if (module == rule.door and not rule.door_function) or module in rule.exempt:
        return []
    scanner = _Scanner(module, rule)
    scanner.visit(ast.parse(source))
    if module != rule.door:
        return scanner.found
    return [found for found in scanner.found if found.function != rule.door_function]


def _modules() -> Iterator[tuple[str, Path]]:
    for path in sorted(SOURCE.rglob("*.py")):
        relative = path.relative_to(SOURCE.parent).with_suffix("")
        if "migrations" in relative.parts:
            continue
        parts = relative.parts[:-1] if relative.name == "__init__" else relative.parts
        yield ".".join(parts), path


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.name)
def test_only_the_door_writes_what_it_guards(rule: Rule) -> None:
    found = [
        str(violation)
        for module, path in _modules()
        for violation in scan(path.read_text(), module=module, rule=rule)
    ]
    assert found == []


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.name)
def test_the_door_exists_and_its_writes_would_be_caught_anywhere_else(rule: Rule) -> None:
    # A renamed door, or a scanner blind to how the door writes, would pass by matching
    # nothing.
    modules = dict(_modules())
    assert set(rule.exempt) <= set(modules)
    door = modules[rule.door].read_text()
    assert scan(door, module="coproduce.elsewhere", rule=rule) != []


ENTRY, TRANSFER, BALANCE, MEMBERSHIP = RULES

VIOLATIONS = """
def refund(original):
    for entry in original.entries.all():
        Entry.objects.create(transfer=original, account=entry.account, amount=-entry.amount)
    original.entries.all().delete()

def correct(pk):
    transfer = Transfer.objects.get(pk=pk)
    transfer.reason = "typo"
    transfer.save()
    Transfer.objects.filter(pk=pk).update(reason="typo")
    exchange.transfers.create(amount=60)
    Transfer(amount=60).save()

def top_up(account, pk):
    account.balance += 60
    Account.objects.filter(pk=pk).update(balance=F("balance") + 60)
    Account.objects.bulk_update([account], ["balance"])
    account.save(update_fields=["balance"])
    Account.objects.create(name="Pot", balance=500)

def raw(cursor, pk):
    cursor.execute("INSERT INTO timebank_entry (transfer_id, amount) VALUES (1, 3)")
    cursor.execute("DELETE FROM timebank_transfer WHERE id = %s", [pk])
    cursor.execute(
        "UPDATE timebank_account "
        "SET balance = balance + %s WHERE id = %s", [60, pk]
    )
    cursor.execute(f'UPDATE "timebank_transfer" SET reason = {pk}')
"""


def _found(rule: Rule, source: str = VIOLATIONS) -> list[tuple[str, int, str]]:
    return [
        (violation.function, violation.line, violation.what)
        for violation in scan(source, module="coproduce.budgeting.services.pots", rule=rule)
    ]


def test_the_scanner_catches_each_way_round_the_ledger_door() -> None:
    assert _found(ENTRY) == [
        ("refund", 4, "calls Entry.objects.create(...)"),
        ("refund", 5, "calls original.entries.all().delete(...)"),
        ("raw", 23, "raw SQL writes timebank_entry"),
    ]
    assert _found(TRANSFER) == [
        ("correct", 10, "calls transfer.save(...)"),
        ("correct", 11, "calls Transfer.objects.filter(pk=pk).update(...)"),
        ("correct", 12, "calls exchange.transfers.create(...)"),
        ("correct", 13, "calls Transfer(amount=60).save(...)"),
        ("correct", 13, "constructs Transfer"),
        ("raw", 24, "raw SQL writes timebank_transfer"),
        ("raw", 29, "raw SQL writes timebank_transfer"),
    ]
    assert _found(BALANCE) == [
        ("top_up", 16, "assigns account.balance"),
        ("top_up", 17, "calls Account.objects.filter(pk=pk).update(...)"),
        ("top_up", 18, "calls Account.objects.bulk_update(...)"),
        ("top_up", 19, "calls account.save(update_fields=...)"),
        ("top_up", 20, "calls Account.objects.create(...)"),
        ("raw", 26, "raw SQL writes timebank_account"),
    ]


def test_the_scanner_lets_reads_and_other_writes_through() -> None:
    clean = """
def limits(pk, original, viewer):
    Account.objects.filter(pk=pk).update(floor=-600, ceiling=None)
    Account.objects.create(name="Pot", floor=0)
    account = Account.objects.select_for_update().get(pk=pk)
    account.floor = 0
    account.save(update_fields=["floor"])
    entries = list(original.entries.select_related("account"))
    reversed_already = Transfer.objects.filter(reverses=original).exists()
    SavingsTransfer.objects.create(amount=1)
    HistoryEntry.objects.create(action="timebank.transfer_reversed")
    transfer = transfer_post(legs=[], kind="reversal", reason="", operator=None, books=set())
    transfer_reversal_post(transfer_id=pk, reason="x", operator=None, books={1})
    cursor.execute("SELECT id, balance FROM timebank_account WHERE id = %s", [pk])
    cursor.execute("SELECT amount FROM timebank_entry")
    return transfer.pk, entries, reversed_already
"""
    for rule in RULES:
        assert _found(rule, clean) == []


def test_the_door_and_the_exempt_modules_may_write() -> None:
    for rule in RULES:
        assert scan(VIOLATIONS, module=rule.door, rule=rule) == []
        assert scan(VIOLATIONS, module="coproduce.people.seeding", rule=rule) == []


MEMBERSHIP_VIOLATIONS = """
def pause(membership):
    membership.status = "paused"
    membership.save()

def promote(self):
    self.membership.role, other = "admin", 1

def apply(person):
    existing = Membership.objects.filter(person=person).first()
    existing.status = "applied"
    existing.save(update_fields=["status"])

def typed(m: "Membership", queryset: QuerySet[Membership]):
    m.role = "admin"
    queryset.update(role="member")

def bulk(org, people):
    Membership.objects.bulk_create([Membership(person=p, role="member") for p in people])
    Membership.objects.filter(organisation=org).update(status="left")
    org.memberships.create(person=people[0], status="active")
"""


def test_the_scanner_catches_each_way_round_the_membership_door() -> None:
    assert _found(MEMBERSHIP, MEMBERSHIP_VIOLATIONS) == [
        ("pause", 3, "assigns membership.status"),
        ("promote", 7, "assigns self.membership.role"),
        ("apply", 11, "assigns existing.status"),
        ("apply", 12, "calls existing.save(...)"),
        ("typed", 15, "assigns m.role"),
        ("typed", 16, "calls queryset.update(...)"),
        # bulk_create is caught by the rows it is given.
        ("bulk", 19, "constructs Membership.role/status"),
        ("bulk", 20, "calls Membership.objects.filter(organisation=org).update(...)"),
        ("bulk", 21, "calls org.memberships.create(...)"),
    ]


def test_other_models_role_and_status_and_other_membership_fields_pass() -> None:
    clean = """
def confirm(exchange, membership: Membership):
    exchange.status = "confirmed"
    exchange.save(update_fields=["status"])
    membership.contracted_minutes_per_week = 60
    membership.save(update_fields=["contracted_minutes_per_week"])
    Membership.objects.filter(pk=1).update(contracted_minutes_per_week=None)
    Exchange.objects.create(status="proposed")
    if membership.status == "active":
        return Membership(person=None, organisation=None)
"""
    assert _found(MEMBERSHIP, clean) == []


def test_in_the_membership_door_module_only_the_door_function_writes() -> None:
    source = """
def _membership_write(membership: Membership, *, role):
    membership.role = role
    membership.save()

def membership_sneak(membership: Membership):
    membership.role = "admin"
"""
    found = scan(source, module=MEMBERSHIP.door, rule=MEMBERSHIP)
    assert [str(violation) for violation in found] == [
        f"{MEMBERSHIP.door}:7 in membership_sneak: assigns membership.role"
    ]

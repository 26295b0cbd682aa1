"""The shape of the code: rooms import only the rooms below them, through their `__init__`,
and case state has one writer. Read from the source (every import, function-level ones
too), so a shortcut "to avoid a cycle" cannot hide one."""

from __future__ import annotations

import ast
import importlib
from collections import defaultdict
from pathlib import Path

import pytest

from takedown.db import utcnow

SRC = Path(__file__).resolve().parents[1] / "src" / "takedown"

# Lowest first: a room may import only rooms before it. The kernel modules are single
# files every room may use; `wiring` is the composition root, and the edges (web, demo,
# bench, cli, migrations) are the only ones above it.
LAYERS = [
    "i18n",
    "config",
    "settings_errors",
    "errors",
    "mail",
    "events",
    "db",
    "jobs",
    "audit",
    "fingerprints",
    "platforms",
    "people",
    "matching",
    "exchanges",
    "enforcement",
    "cases",
    "triage",
    "intake",
    "legal",
    "reporting",
    "wiring",
    "web",
    "demo",
    "bench",
    "cli",
    "migrations",
]
# The composition root assembles every room's tables and jobs.
ROOT_MAY_REACH = {"models", "tasks"}
# Benchmarks measure the rooms' insides on purpose; the CLI runs each benchmark and demo
# module by name (they are commands, not rooms).
INSIDES_ALLOWED = {("bench", "*"), ("cli", "bench"), ("cli", "demo")}
# Who may write a case's state, priority, deadline, credibility, queue, round or times.
CASE_FIELDS = {
    "state",
    "priority",
    "deadline_at",
    "restricted_at",
    "removed_at",
    "decided_at",
    "credibility",
    "queue",
    "round",
    "escalated",
    "needs_specialist",
    "info_requested_at",
    "burst_id",
}
CASE_WRITER = SRC / "cases" / "states.py"


def room_of_file(path: Path) -> str:
    rel = path.relative_to(SRC)
    if rel.parts[:2] == ("db", "migrations"):
        return "migrations"
    return rel.parts[0].removesuffix(".py")


def imports_of(path: Path) -> list[tuple[int, str, list[str]]]:
    """(line, module, names) of every import in the file, at any depth."""
    package = ".".join(("takedown", *path.relative_to(SRC).with_suffix("").parts))
    if path.name != "__init__.py":
        package = package.rsplit(".", 1)[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name, []) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            found.append((node.lineno, module, [alias.name for alias in node.names]))
    return found


def target_rooms(module: str, names: list[str]) -> list[str]:
    parts = module.split(".")
    if parts[0] != "takedown":
        return []
    if len(parts) == 1:  # from takedown import cases, legal
        return [name for name in names if name in LAYERS]
    return [parts[1]]


def room_edges() -> dict[tuple[str, str], list[str]]:
    edges: dict[tuple[str, str], list[str]] = defaultdict(list)
    for path in sorted(SRC.rglob("*.py")):
        source = room_of_file(path)
        for line, module, names in imports_of(path):
            for target in target_rooms(module, names):
                if target != source:
                    edges[(source, target)].append(f"{path.relative_to(SRC)}:{line}")
    return edges


def test_every_room_is_in_a_layer() -> None:
    rooms = {room_of_file(p) for p in SRC.rglob("*.py")} - {"__init__"}
    assert rooms <= set(LAYERS), f"place these in LAYERS: {sorted(rooms - set(LAYERS))}"


def test_rooms_import_only_rooms_below_them() -> None:
    rank = {room: i for i, room in enumerate(LAYERS)}
    upward = [
        f"{a} -> {b} ({', '.join(where)})"
        for (a, b), where in sorted(room_edges().items())
        if rank[b] > rank[a]
    ]
    assert not upward, "imports of a room above:\n" + "\n".join(upward)


def find_cycle(edges: set[tuple[str, str]]) -> list[str] | None:
    graph: dict[str, set[str]] = defaultdict(set)
    for a, b in edges:
        graph[a].add(b)
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def test_there_is_no_import_circle_between_rooms() -> None:
    cycle = find_cycle(set(room_edges()))
    assert cycle is None, "import circle: " + " -> ".join(cycle or [])


def test_the_cycle_finder_finds_one() -> None:
    """The check above can fail: a planted circle is found, a line is not."""
    assert find_cycle({("a", "b"), ("b", "c"), ("c", "a")}) == ["a", "b", "c", "a"]
    assert find_cycle({("a", "b"), ("b", "c")}) is None


def test_rooms_reach_each_other_through_their_init() -> None:
    """`from takedown.cases import Case`, never `from takedown.cases.models import Case`,
    and only names the room lists in its `__all__`."""
    wrong = []
    for path in sorted(SRC.rglob("*.py")):
        source = room_of_file(path)
        if (source, "*") in INSIDES_ALLOWED or source == "migrations":
            continue
        for line, module, names in imports_of(path):
            parts = module.split(".")
            if parts[0] != "takedown" or len(parts) < 2 or parts[1] == source:
                continue
            room = parts[1]
            if (source, room) in INSIDES_ALLOWED or not (SRC / room / "__init__.py").exists():
                continue  # a kernel module: it is its own surface
            where = f"{path.relative_to(SRC)}:{line}"
            inside = parts[2:]
            if source == "wiring" and (
                inside in ([name] for name in ROOT_MAY_REACH)
                or (not inside and set(names) <= ROOT_MAY_REACH)
            ):
                continue
            if inside:
                wrong.append(f"{where}: from {module} import ... (use takedown.{room})")
                continue
            public = set(importlib.import_module(f"takedown.{room}").__all__)
            hidden = sorted(set(names) - public)
            if hidden:
                wrong.append(f"{where}: takedown.{room} does not export {hidden}")
    assert not wrong, "\n".join(wrong)


def case_field_writes(path: Path) -> list[str]:
    """Assignments to a case's governed fields (`case.state = ...`, `case.deadline_at, x =`)
    and bulk `update(Case)` statements."""
    label = path.name
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        targets: list[ast.expr] = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, ast.AugAssign | ast.AnnAssign):
            targets = [node.target]
        flat = []
        for target in targets:
            flat += target.elts if isinstance(target, ast.Tuple) else [target]
        for target in flat:
            if (
                isinstance(target, ast.Attribute)
                and target.attr in CASE_FIELDS
                and isinstance(target.value, ast.Name)
                and target.value.id.endswith("case")
            ):
                found.append(f"{label}:{node.lineno}: {target.value.id}.{target.attr}")
        if (
            isinstance(node, ast.Call)
            and ast.unparse(node.func) in ("update", "sa.update")
            and node.args
            and ast.unparse(node.args[0]) == "Case"
        ):
            found.append(f"{label}:{node.lineno}: update(Case)")
    return found


def test_case_state_has_one_writer() -> None:
    writes = [
        w
        for path in sorted(SRC.rglob("*.py"))
        if path != CASE_WRITER and room_of_file(path) not in ("migrations", "demo")
        for w in case_field_writes(path)
    ]
    assert not writes, "case state written outside cases/states.py:\n" + "\n".join(writes)


def test_the_writer_check_sees_a_write(tmp_path: Path) -> None:
    planted = tmp_path / "planted.py"
    planted.write_text(
        "def f(case, other_case):\n"
        "    case.state = 'confirmed'\n"
        "    other_case.priority, x = 'P0', 1\n"
        "    update(Case)\n"
    )
    assert len(case_field_writes(planted)) == 3


def test_a_case_moves_only_where_its_state_leads() -> None:
    from takedown.cases import Case, states

    case = Case(number="T-1", state="appealed", priority="P0", queue="general")
    with pytest.raises(states.IllegalTransition):
        states.reopen(case, "rereview", deadline=utcnow())  # a decision first
    assert case.state == "appealed"
    case.state = "dismissed"
    with pytest.raises(states.IllegalTransition):
        states.reopen(case, "appealed", deadline=utcnow())  # nothing was removed
    case.state, case.round = "confirmed", 1
    states.reopen(case, "appealed", deadline=utcnow())
    assert (case.state, case.round) == ("appealed", 2)

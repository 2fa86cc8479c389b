"""Imports point down the layers of STYLE.md, and nothing imports something that imports it back.

Every `import` under consent/ counts, including those inside functions (an import moved into a
function still makes a cycle; it only hides it until run time). The layers, bottom to top:

0. foundation: `consent.db`, `consent.extensions`, and `consent.core` (clock, errors, i18n,
   transaction, ...) — no domain code;
1. models and the plain reads every domain shares: each `models.py`, the roster's conditions
   (current enrollment), the catalog's reach (which tools reach which student), the calendar's
   school-day counting;
2. access: who may see or do what (`consent.access`, and the coarse gates of `consent.core`);
3. domain code: operations, queries, rules, forms, jobs, the roster import;
4. views and CLI (and each package's `__init__`, which registers them);
5. the app factory, `consent/__init__.py`.

A module may import its own layer or lower ones. Within a layer, packages must not import each
other in a circle; across layers that cannot happen once imports only point down.
"""

import ast
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "consent"

FOUNDATION, READS, ACCESS, DOMAIN, VIEWS, APP = range(6)
NAMES = ["foundation", "models/plain reads", "access", "domain", "views/cli", "app factory"]

# The few modules whose layer their file name does not say, each with the reason.
EXPLICIT = {
    "consent.db": FOUNDATION,
    "consent.extensions": FOUNDATION,
    # Labels for the models' enums, shown by forms, views and report exports alike.
    "consent.core.templating": READS,
    # The audit trail: access writes a row when it refuses a record or a staff member reads
    # one, so recording sits below access. It imports only its model and the foundation.
    "consent.audit.operations": READS,
    # The audit log's words for each action, checked as rows are written.
    "consent.audit.actions": READS,
    "consent.core.gates": ACCESS,
    "consent.core.views": VIEWS,
    "consent.roster.data_sharing": VIEWS,  # a blueprint: the family's "who has the data" page
    # Who holds a role the workflows tell (the privacy office, a school's principals): plain
    # reads of the roster, so the domains that notify them need not import each other.
    "consent.roster.staff": READS,
    "consent": APP,
}
PLAIN_READS = {"models", "conditions", "reach", "days", "scope"}
TOP = {"views", "cli"}


def module_names() -> dict[str, Path]:
    found = {}
    for path in ROOT.rglob("*.py"):
        parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


MODULES = module_names()


def layer(module: str) -> int:
    if module in EXPLICIT:
        return EXPLICIT[module]
    parts = module.split(".")
    if parts[1] == "core":
        return FOUNDATION
    if parts[1] == "access":
        return ACCESS
    if len(parts) == 2:  # a domain package's __init__: registers its views and commands
        return VIEWS
    if parts[-1] in PLAIN_READS:
        return READS
    if parts[-1] in TOP:
        return VIEWS
    return DOMAIN


def package(module: str) -> str:
    return ".".join(module.split(".")[:2])


def _target(name: str) -> str:
    """The consent module an imported name lives in (`consent.x.y.z` → the longest module)."""
    while name not in MODULES:
        name = name.rpartition(".")[0]
    return name


def imports_of(module: str) -> set[str]:
    """Every consent module `module` imports, at the top or inside a function."""
    path = MODULES[module]
    here = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = here.split(".")[: len(here.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            names = [f"{base}.{alias.name}" for alias in node.names]
        else:
            continue
        found.update(_target(name) for name in names if name.split(".")[0] == "consent")
    found.discard(module)
    return found


GRAPH = {module: imports_of(module) for module in MODULES}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one member (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in graph.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_parser_sees_imports_inside_functions():
    """The checks below can fail: a function-level import is an edge like any other."""
    assert "consent.optouts.operations" in GRAPH["consent.schoolcalendar.operations"]
    assert "consent.catalog.reach" in GRAPH["consent.catalog.queries"]
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == [["a", "b", "c"]]


def test_no_module_imports_one_that_imports_it_back():
    assert cycles(GRAPH) == []


def test_imports_point_down_the_layers():
    upward = [
        f"{module} ({NAMES[layer(module)]}) imports {target} ({NAMES[layer(target)]})"
        for module, targets in sorted(GRAPH.items())
        for target in sorted(targets)
        if layer(target) > layer(module)
    ]
    assert upward == []


def test_no_two_packages_of_one_layer_import_each_other():
    """E.g. the calendar's operations move the opt-outs' due dates, so the opt-outs count school
    days with `schoolcalendar.days`, a plain read below both, not with the calendar's operations."""
    by_layer: dict[int, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for module, targets in GRAPH.items():
        for target in targets:
            if layer(target) == layer(module) and package(target) != package(module):
                by_layer[layer(module)][package(module)].add(package(target))
    found = {NAMES[n]: cycles(graph) for n, graph in by_layer.items() if cycles(graph)}
    assert found == {}


def test_the_plain_reads_import_no_domain_code():
    """The shared reads (reach, conditions, school days) stay usable from every layer."""
    for module in ("consent.catalog.reach", "consent.roster.conditions"):
        assert {layer(target) for target in GRAPH[module]} <= {FOUNDATION, READS}, module


def _top_level_imports(module: str) -> set[str]:
    """The consent modules `module` imports when it is imported (not inside a function)."""
    path = MODULES[module]
    found = set()
    for node in ast.parse(path.read_text(), str(path)).body:
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and not node.level:
            names = [f"{node.module}.{alias.name}" for alias in node.names]
        else:
            continue
        found.update(_target(name) for name in names if name.split(".")[0] == "consent")
    return found


def test_importing_a_package_runs_nothing_above_its_models():
    """Importing `consent.x.models` runs `consent/x/__init__.py` first, so whatever that file
    imports at the top is imported by every module that reads the models, the access gate
    included. Found by importing `consent.access` on its own: the accounts package imported
    its sessions (which read through the access gate) before the gate had finished loading."""
    too_high = {
        f"{module} imports {target}"
        for module, path in MODULES.items()
        if path.name == "__init__.py"
        and module.count(".") == 1
        and module not in ("consent.core", "consent.access")  # layers of their own, whole
        for target in _top_level_imports(module)
        if layer(target) > READS and package(target) == module
    }
    assert not too_high, sorted(too_high)

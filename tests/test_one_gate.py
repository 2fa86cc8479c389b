"""Who may do what is decided in one place, `consent.access`: a view, an operation or a page
that compared roles itself would be a second rule, free to drift from the gate (issue "One
shape for the core")."""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The gate itself, and the coarse per-route gate of `roles_required`.
GATE = {"consent/access", "consent/core/gates.py"}
# Whose role a decision would be about: the signed-in person.
PEOPLE = {"actor", "current_user", "account", "user"}


def _compares_a_persons_role(node: ast.Compare) -> bool:
    for side in (node.left, *node.comparators):
        while isinstance(side, ast.Attribute) and side.attr == "value":
            side = side.value  # actor.role.value == "guardian"
        if (
            isinstance(side, ast.Attribute)
            and side.attr == "role"
            and isinstance(side.value, ast.Name)
            and side.value.id in PEOPLE
        ):
            return True
    return False


def test_no_code_outside_the_gate_compares_a_persons_role():
    found = []
    for path in sorted((ROOT / "consent").rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        if any(relative == g or relative.startswith(g + "/") for g in GATE):
            continue
        for node in ast.walk(ast.parse(path.read_text(), relative)):
            if isinstance(node, ast.Compare) and _compares_a_persons_role(node):
                found.append(f"{relative}:{node.lineno}")
    assert found == [], "ask consent.access instead of comparing roles: " + ", ".join(found)


# The menu of base.html picks each role's start links: navigation, not a permission.
NAVIGATION = {"templates/base.html"}
ROLE_TEST = re.compile(r"current_user\.role(\.value)?\s*(==|!=|\bin\b|\bis\b)")


def test_no_page_compares_a_persons_role():
    found = [
        f"{path.relative_to(ROOT).as_posix()}:{number}"
        for path in sorted((ROOT / "templates").rglob("*.html"))
        if path.relative_to(ROOT).as_posix() not in NAVIGATION
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if ROLE_TEST.search(line)
    ]
    assert found == [], "ask consent.access (a template global) instead: " + ", ".join(found)

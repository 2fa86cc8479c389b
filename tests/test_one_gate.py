"""Who may do what is decided in one place, `consent.access`: a view, an operation or a page
that compared roles itself would be a second rule, free to drift from the gate (issue "One
shape for the core")."""

import ast
import re
from pathlib import Path

from consent.accounts.models import Account

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


# An account's shortcuts to its role ("is this a staff member?"): deciding by one outside the
# gate is the same second rule as comparing roles.
ROLE_SHORTCUTS = {"is_staff"}
# Flask-Login's own: signed in, not deactivated. They say nothing of the role.
SIGN_IN_STATE = {"is_active", "is_authenticated", "is_anonymous"}
# The words a family or a staff member is addressed in (the `label` filter), not what they may
# see or do.
WORDING = {"consent/core/templating.py"}


def test_every_role_shortcut_of_an_account_is_watched():
    """A new `Account.is_guardian` would otherwise be a way round the gate nobody looks for."""
    shortcuts = {
        name
        for name, value in vars(Account).items()
        if name.startswith("is_") and isinstance(value, property)
    }
    assert shortcuts - SIGN_IN_STATE <= ROLE_SHORTCUTS


def _asks_a_role_shortcut(node: ast.AST) -> bool:
    if isinstance(node, ast.Attribute):
        return node.attr in ROLE_SHORTCUTS
    # getattr(current_user, "is_staff", False)
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "getattr"
        and any(isinstance(a, ast.Constant) and a.value in ROLE_SHORTCUTS for a in node.args)
    )


def test_no_code_outside_the_gate_asks_a_role_shortcut():
    found = []
    for path in sorted((ROOT / "consent").rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        if relative in WORDING or any(relative == g or relative.startswith(g + "/") for g in GATE):
            continue
        for node in ast.walk(ast.parse(path.read_text(), relative)):
            if _asks_a_role_shortcut(node):
                found.append(f"{relative}:{node.lineno}")
    assert found == [], "ask consent.access instead of is_staff: " + ", ".join(found)


# The menu of base.html picks each role's start links, and its footer the words a family or a
# staff member is addressed in: navigation, not a permission.
NAVIGATION = {"templates/base.html"}
ROLE_TEST = re.compile(r"current_user\.role(\.value)?\s*(==|!=|\bin\b|\bis\b)")
SHORTCUT_TEST = re.compile(r"\.(" + "|".join(sorted(ROLE_SHORTCUTS)) + r")\b")


def test_no_page_compares_a_persons_role():
    found = [
        f"{path.relative_to(ROOT).as_posix()}:{number}"
        for path in sorted((ROOT / "templates").rglob("*.html"))
        if path.relative_to(ROOT).as_posix() not in NAVIGATION
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if ROLE_TEST.search(line)
    ]
    assert found == [], "ask consent.access (a template global) instead: " + ", ".join(found)


def test_no_page_asks_a_role_shortcut():
    found = [
        f"{path.relative_to(ROOT).as_posix()}:{number}"
        for path in sorted((ROOT / "templates").rglob("*"))
        if path.suffix in (".html", ".txt") and path.relative_to(ROOT).as_posix() not in NAVIGATION
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if SHORTCUT_TEST.search(line)
    ]
    assert found == [], "ask consent.access (a template global) instead: " + ", ".join(found)

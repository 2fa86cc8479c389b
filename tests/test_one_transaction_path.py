"""One transaction path (issue 12): operations never commit or roll back, and views end a
change only through `consent.core.transaction` (`run`, or `settle` for the API). A commit or
rollback anywhere else would be a second path, free to leave a change half-saved.

The few places that own a transaction by design are listed, each with the reason; a command
line module (`cli.py`) is the caller of its operations, as a view is."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

ENDS_A_TRANSACTION = {
    # The one path itself, and the error handlers that end a failed request.
    ("consent/core/transaction.py", "*"),
    ("consent/core/errors.py", "*"),
    # A refusal is written and committed at once: the request ends in a 404, nothing else stands.
    ("consent/audit/operations.py", "record_denied"),
    ("consent/audit/operations.py", "record_integration_denied"),
    # Workers: each claims, works and records in transactions of its own.
    ("consent/notifications/operations.py", "deliver_due"),
    ("consent/webhooks/delivery.py", "_claim"),
    ("consent/webhooks/delivery.py", "_record"),
    ("consent/roster/jobs.py", "sweep_interrupted"),
    ("consent/roster/jobs.py", "claim_next"),
    ("consent/roster/jobs.py", "run_claimed"),
}


def _ends_the_session(node: ast.AST) -> bool:
    """`db.session.commit()`, `session.rollback()`, `db.session().commit()`; not a savepoint's."""
    if not (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in ("commit", "rollback")
    ):
        return False
    receiver = node.func.value
    if isinstance(receiver, ast.Call):
        receiver = receiver.func
    return (isinstance(receiver, ast.Name) and receiver.id == "session") or (
        isinstance(receiver, ast.Attribute) and receiver.attr == "session"
    )


def transactions_ended(root: Path) -> list[str]:
    found = []
    for path in sorted((root / "consent").rglob("*.py")):
        relative = path.relative_to(root).as_posix()
        if path.name == "cli.py" or (relative, "*") in ENDS_A_TRANSACTION:
            continue
        for top in ast.parse(path.read_text(), relative).body:
            name = getattr(top, "name", "")
            if (relative, name) in ENDS_A_TRANSACTION:
                continue
            found += [
                f"{relative}:{node.lineno} ({name or 'module'})"
                for node in ast.walk(top)
                if _ends_the_session(node)
            ]
    return found


def test_operations_and_views_never_commit_or_roll_back_themselves():
    found = transactions_ended(ROOT)
    assert found == [], (
        "hand the operation to consent.core.transaction.run (or settle) instead: "
        + ", ".join(found)
    )


def test_every_listed_exception_still_ends_a_transaction():
    """A listed place that no longer commits is taken off the list, so the list stays short."""
    unused = []
    for relative, name in sorted(ENDS_A_TRANSACTION):
        tree = ast.parse((ROOT / relative).read_text(), relative)
        tops = [t for t in tree.body if name in ("*", getattr(t, "name", None))]
        if not any(_ends_the_session(node) for top in tops for node in ast.walk(top)):
            unused.append(f"{relative} {name}")
    assert unused == []

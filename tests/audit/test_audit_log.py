"""The privacy office's audit log: filters, pages, the streamed CSV export, and who gets in."""

import csv
import io
from datetime import timedelta

import pytest
from sqlalchemy import func, insert, select

from consent.audit.models import AuditEvent
from consent.core import clock
from consent.extensions import db
from tests.support import PERSONAS, count_queries

BUDGET = 12


def _rows(app, spec: list[dict]) -> None:
    """Write audit rows directly, each one a dict of AuditEvent columns."""
    with app.app_context():
        defaults = {"target": "", "request_id": "", "path": ""}
        db.session.execute(insert(AuditEvent), [defaults | row for row in spec])
        db.session.commit()


def _account_id(app, persona: str) -> int:
    from consent.accounts.models import Account

    with app.app_context():
        return db.session.scalar(select(Account.id).where(Account.email == PERSONAS[persona]))


def _count(app, *conditions) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(AuditEvent).where(*conditions))


@pytest.fixture
def marked(app, demo):
    """Three recognisable rows: Emily Johnson viewed Sofia, Angela Brooks confirmed for Ava, and
    Raj Patel viewed Mateo ten days ago."""
    now = clock.now()
    johnson, brooks, patel = (_account_id(app, p) for p in ("johnson", "brooks", "patel"))
    _rows(
        app,
        [
            {
                "at": now,
                "actor_account_id": johnson,
                "actor_role": "teacher",
                "action": "student.view",
                "student_id": demo.students["sofia"],
                "target": "marker:johnson-sofia",
            },
            {
                "at": now,
                "actor_account_id": brooks,
                "actor_role": "principal",
                "action": "optout.confirm",
                "student_id": demo.students["ava"],
                "target": "marker:brooks-ava",
            },
            {
                "at": now - timedelta(days=10),
                "actor_account_id": patel,
                "actor_role": "teacher",
                "action": "student.view",
                "student_id": demo.students["mateo"],
                "target": "marker:patel-mateo",
            },
        ],
    )


def _markers(html: str) -> set[str]:
    return {m for m in ("johnson-sofia", "brooks-ava", "patel-mateo") if f"marker:{m}" in html}


def test_filters_by_person_student_action_and_dates(as_, marked):
    lee = as_("lee")
    page = lambda query: lee.get(f"/audit?{query}").get_data(as_text=True)  # noqa: E731
    assert _markers(page("")) == {"johnson-sofia", "brooks-ava", "patel-mateo"}
    assert _markers(page(f"person={PERSONAS['johnson'].upper()}")) == {"johnson-sofia"}
    assert _markers(page("student=S100007")) == {"patel-mateo"}  # Mateo's student number
    assert _markers(page("action=student.view")) == {"johnson-sofia", "patel-mateo"}
    assert _markers(page("action=optout.")) == {"brooks-ava"}
    today = clock.now().date()
    recent = f"since={(today - timedelta(days=2)).isoformat()}"
    assert _markers(page(recent)) == {"johnson-sofia", "brooks-ava"}
    old = f"until={(today - timedelta(days=5)).isoformat()}"
    assert _markers(page(old)) == {"patel-mateo"}
    both = f"person={PERSONAS['patel']}&action=student.view&{old}"
    assert _markers(page(both)) == {"patel-mateo"}


def test_bad_filters_are_explained_and_show_no_rows(as_, marked):
    lee = as_("lee")
    answer = lee.get(
        "/audit?person=nobody@example.org&student=NOPE&since=2026-05-02&until=2026-05-01"
    )
    html = answer.get_data(as_text=True)
    assert answer.status_code == 200
    assert "No account signs in with this email address." in html
    assert "No student has this number." in html
    assert "The end date must be on or after the start date." in html
    assert _markers(html) == set()
    # The export with the same filter sends the person back to the form instead of a file.
    export = lee.get("/audit/export.csv?student=NOPE")
    assert export.status_code == 302 and "/audit?student=NOPE" in export.headers["Location"]


def test_pages_through_the_log_newest_first(app, as_, demo):
    lee_id = _account_id(app, "lee")
    start = clock.now()
    _rows(
        app,
        [
            {
                "at": start + timedelta(seconds=n),
                "actor_account_id": lee_id,
                "actor_role": "privacy_officer",
                "action": "paging.test",
                "target": f"row:{n:03d}",
            }
            for n in range(30)
        ],
    )
    lee = as_("lee")
    first = lee.get("/audit?action=paging.test").get_data(as_text=True)
    second = lee.get("/audit?action=paging.test&page=2").get_data(as_text=True)
    first_rows = [f"row:{n:03d}" for n in range(29, 4, -1)]  # 25 a page, newest first
    assert all(r in first for r in first_rows) and "row:004" not in first
    assert first.index("row:029") < first.index("row:005")
    assert "Next page" in first and "Previous page" not in first
    assert all(f"row:{n:03d}" in second for n in range(5)) and "row:005" not in second
    assert "Previous page" in second and "Next page" not in second
    # The page links keep the filter.
    assert "action=paging.test" in first.split("Next page")[0].rsplit("href=", 1)[1]


def test_csv_export_streams_every_matching_row_and_is_itself_audited(app, as_, demo, marked):
    lee = as_("lee")
    exports_before = _count(app, AuditEvent.action == "audit.export")
    answer = lee.get("/audit/export.csv?action=student.view")
    assert answer.status_code == 200
    assert answer.is_streamed
    assert answer.mimetype == "text/csv"
    assert "attachment" in answer.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(answer.get_data(as_text=True).lstrip("\ufeff"))))
    targets = {r["target"] for r in rows}
    assert {"marker:johnson-sofia", "marker:patel-mateo"} <= targets
    assert "marker:brooks-ava" not in targets
    assert all(r["action"] == "student.view" for r in rows)
    sofia_row = next(r for r in rows if r["target"] == "marker:johnson-sofia")
    assert sofia_row["actor_email"] == PERSONAS["johnson"]
    assert sofia_row["student_number"] == "S100001"
    assert _count(app, AuditEvent.action == "audit.export") == exports_before + 1


def test_export_of_one_student_names_the_student_in_the_audit_row(app, as_, demo, marked):
    as_("lee").get("/audit/export.csv?student=S100001").get_data()
    with app.app_context():
        last = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "audit.export")
        ).all()[-1]
        assert last.student_id == demo.students["sofia"]
        assert last.actor_role == "privacy_officer"


def test_csv_export_defuses_spreadsheet_formulas(app, as_, marked):
    _rows(
        app,
        [
            {
                "at": clock.now(),
                "actor_account_id": None,
                "actor_role": "anonymous",
                "action": "formula.test",
                "target": '=HYPERLINK("http://evil")',
            }
        ],
    )
    text = as_("lee").get("/audit/export.csv?action=formula.test").get_data(as_text=True)
    row = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))[0]
    assert row["target"].startswith("'=")


@pytest.mark.parametrize("persona", ["maria", "grace", "johnson", "brooks", "reed"])
@pytest.mark.parametrize("url", ["/audit", "/audit?student=S100001", "/audit/export.csv"])
def test_only_the_privacy_office_reaches_the_log(app, as_, persona, url):
    denied_before = _count(app, AuditEvent.action == "access.denied")
    answer = as_(persona).get(url)
    assert answer.status_code == 404
    assert b"marker:" not in answer.get_data()
    assert _count(app, AuditEvent.action == "access.denied") == denied_before + 1


@pytest.mark.parametrize("url", ["/audit", "/audit/export.csv"])
def test_anonymous_visitors_are_sent_to_sign_in(browser, url):
    answer = browser.get(url)
    assert answer.status_code == 302 and "/signin" in answer.headers["Location"]


def test_a_student_filtered_view_is_audited_as_a_read_of_that_student(app, as_, demo):
    as_("lee").get("/audit?student=S100001")
    assert (
        _count(
            app, AuditEvent.action == "audit.view", AuditEvent.student_id == demo.students["sofia"]
        )
        == 1
    )


def test_the_log_stays_within_the_statement_budget_for_1_and_50_rows(app, as_):
    lee_id = _account_id(app, "lee")
    row = {
        "actor_account_id": lee_id,
        "actor_role": "privacy_officer",
        "action": "budget.test",
        "student_id": None,
    }
    lee = as_("lee")
    urls = ("/audit?action=budget.test", f"/audit?action=budget.test&person={PERSONAS['lee']}")
    counts = {}
    for total, add in ((1, 1), (50, 49)):
        _rows(app, [row | {"at": clock.now()} for _ in range(add)])
        counts[total] = []
        for url in urls:
            with count_queries(app) as statements:
                page = lee.get(url)
            assert page.status_code == 200
            counts[total].append(len(statements))
        assert _count(app, AuditEvent.action == "budget.test") == total
    assert max(counts[50]) <= BUDGET, counts
    assert counts[1] == counts[50], counts


def test_the_log_reads_in_words_not_codes(as_, marked):
    html = as_("lee").get("/audit").get_data(as_text=True)
    assert "Viewed a student&#39;s page" in html
    assert "Confirmed an opt-out request" in html
    assert '"Role">Teacher</td>' in html and '"Role">Principal</td>' in html
    assert '"Role">teacher</td>' not in html  # the stored role code is not what the office reads


def test_an_action_without_words_is_caught_where_it_is_written(app, demo):
    from consent.accounts.models import Account
    from consent.audit.actions import UnknownAuditAction
    from consent.audit.operations import record

    with app.test_request_context("/"):
        lee = db.session.scalar(select(Account).where(Account.email == PERSONAS["lee"]))
        with pytest.warns(UnknownAuditAction, match="student.peeked"):
            record(lee, "student.peeked", student_id=demo.students["sofia"])
        db.session.rollback()

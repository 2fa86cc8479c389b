"""The report pages as people meet them: who may see which figures, the charts with their data
tables, and CSV exports that stream the very rows the page shows (audited when they name
students)."""

import csv
import io
import re
from datetime import date
from html.parser import HTMLParser

import pytest
from sqlalchemy import select

from consent.audit.models import AuditEvent
from consent.extensions import db
from consent.reports import views

PAGES = ["/reports", "/reports/overdue", "/reports/tools", "/reports/consent-forms"]
EXPORTS = [
    "/reports/open-by-status.csv",
    "/reports/open-by-school.csv",
    "/reports/overdue.csv",
    "/reports/optout-rate.csv",
]


class Tables(HTMLParser):
    """Each <table> of a page as rows of cell texts, with its caption or section heading."""

    def __init__(self):
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self._section = ""
        self._rows: list[list[str]] | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "section" and attrs.get("aria-labelledby", "").endswith("-title"):
            self._section = attrs["aria-labelledby"][: -len("-title")]
        elif tag == "table" and "chart-data" not in (attrs.get("class") or ""):
            self._rows = []
        elif tag == "tr" and self._rows is not None:
            self._rows.append([])
        elif tag in ("td", "th") and self._rows is not None:
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self._rows[-1].append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "table" and self._rows is not None:
            self.tables[self._section] = self._rows
            self._rows = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def tables_of(html: str) -> dict[str, list[list[str]]]:
    parser = Tables()
    parser.feed(html)
    return parser.tables


def csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))


def denied_rows(target: str) -> int:
    return len(
        db.session.scalars(
            select(AuditEvent).where(
                AuditEvent.action == "access.denied", AuditEvent.target == target
            )
        ).all()
    )


# --- who may see what -------------------------------------------------------------------------


@pytest.mark.parametrize("url", PAGES + EXPORTS)
def test_signed_out_visitors_are_sent_to_sign_in(browser, url):
    response = browser.get(url)
    assert response.status_code == 302
    assert "/signin" in response.headers["Location"]


@pytest.mark.parametrize("persona", ["maria", "johnson", "patel", "grace"])
@pytest.mark.parametrize("url", PAGES + EXPORTS)
def test_guardians_and_teachers_have_no_reports(as_, persona, url):
    assert as_(persona).get(url).status_code == 404


def test_the_nav_offers_reports_to_principals_and_the_office_only(as_):
    assert 'href="/reports"' in as_("lee").get("/requests").get_data(as_text=True)
    assert 'href="/reports"' in as_("brooks").get("/requests").get_data(as_text=True)
    assert 'href="/reports"' not in as_("johnson").get("/tasks").get_data(as_text=True)
    assert 'href="/reports"' not in as_("maria").get("/children").get_data(as_text=True)


def test_a_principal_sees_their_own_school_and_never_the_district(as_, demo):
    brooks = as_("brooks")
    page = brooks.get("/reports").get_data(as_text=True)
    assert "Figures for Oakwood Elementary School." in page
    assert "Riverside" not in page
    assert tables_of(page)["open-by-school"][1:] == [["Oakwood Elementary School", "1", "0"]]
    overdue = brooks.get("/reports/overdue").get_data(as_text=True)
    assert "Mateo Garcia" not in overdue  # Riverside's overdue request
    assert "No request is overdue." in overdue
    exported = csv_rows(brooks.get("/reports/open-by-school.csv"))
    assert exported[1:] == [["Oakwood Elementary School", "1", "0"]]
    assert 'name="school"' not in page  # no school picker


@pytest.mark.parametrize("url", PAGES + EXPORTS)
def test_a_principal_asking_for_another_school_meets_a_missing_page(app, as_, demo, url):
    riverside = demo.schools["riverside"]
    brooks = as_("brooks")
    assert brooks.get(f"{url}?school={riverside}").status_code == 404
    assert brooks.get(f"{url}?school={demo.schools['oakwood']}").status_code == 200
    with app.app_context():
        assert denied_rows(f"school:{riverside}") == 1


def test_the_privacy_office_sees_the_district_or_one_school(as_, demo, app):
    lee = as_("lee")
    district = lee.get("/reports").get_data(as_text=True)
    assert "Figures for the whole district." in district
    schools = [row[0] for row in tables_of(district)["open-by-school"][1:]]
    assert sorted(schools) == ["Oakwood Elementary School", "Riverside Middle School"]
    one = lee.get(f"/reports?school={demo.schools['riverside']}").get_data(as_text=True)
    assert "Figures for Riverside Middle School." in one
    assert [r[0] for r in tables_of(one)["open-by-school"][1:]] == ["Riverside Middle School"]
    # The choice is kept in the links to the other reports and to the exports.
    assert f"/reports/tools?school={demo.schools['riverside']}" in one
    assert f"/reports/open-by-school.csv?school={demo.schools['riverside']}" in one
    assert lee.get("/reports?school=987654").status_code == 404
    with app.app_context():
        assert denied_rows("school:987654") == 1


# --- charts -----------------------------------------------------------------------------------


def test_charts_are_svg_with_their_data_as_a_table(as_):
    page = as_("lee").get("/reports").get_data(as_text=True)
    assert "<script" not in page
    figures = re.findall(r"<figure class=\"chart\".*?</figure>", page, re.S)
    assert len(figures) == 4  # status, schools, tools, time to confirmation
    status = figures[0]
    assert 'aria-hidden="true"' in status.split(">", 2)[1] + status  # the drawing is hidden
    assert "<svg" in status and "<rect" in status
    assert re.search(r"<caption>Open requests by status</caption>", status)
    # The data table says what the bars say: In progress, 2 open, 1 overdue.
    assert re.search(r"<th scope=\"row\">In progress</th><td>2</td><td>1</td>", status)


def test_a_principal_has_no_chart_of_schools(as_):
    page = as_("brooks").get("/reports").get_data(as_text=True)
    assert "Schools with the most open requests" not in page
    assert "Schools slowest to confirm" in page


# --- CSV --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("page", "name"),
    [
        ("/reports", "open-by-status"),
        ("/reports", "open-by-school"),
        ("/reports", "open-by-tool"),
        ("/reports", "time-to-confirmation"),
        ("/reports/tools", "optout-rate"),
        ("/reports/tools", "expiring-agreements"),
    ],
)
def test_each_export_streams_exactly_the_table_on_the_page(as_, page, name):
    lee = as_("lee")
    shown = tables_of(lee.get(page).get_data(as_text=True))[name]
    response = lee.get(f"/reports/{name}.csv")
    assert response.status_code == 200
    assert response.is_streamed
    assert response.mimetype == "text/csv"
    assert f'filename="{name}-district-' in response.headers["Content-Disposition"]
    assert [[_as_on_the_page(cell) for cell in row] for row in csv_rows(response)] == shown


def _as_on_the_page(cell: str) -> str:
    """The same cell as the page says it: the CSV writes days in ISO 8601 for spreadsheets."""
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", cell):
        return cell
    day = date.fromisoformat(cell)
    return f"{day:%b} {day.day}, {day.year}"


def test_an_export_is_written_row_by_row(as_, monkeypatch):
    monkeypatch.setattr(views, "FLUSH_BYTES", 0)  # hand over every row as soon as it is read
    response = as_("lee").get("/reports/optout-rate.csv")
    chunks = [chunk for chunk in response.response if chunk]
    rows = list(csv.reader(io.StringIO("".join(c.decode() for c in chunks).lstrip("\ufeff"))))
    # The header, the demo's 6 approved tools and Wordwall (used in Room 15 pending review).
    assert len(rows) == 8
    assert len(chunks) == len(rows)  # each row went out on its own, the header first


def test_the_overdue_export_names_students_and_is_audited_student_by_student(app, as_, demo):
    response = as_("lee").get("/reports/overdue.csv")
    rows = csv_rows(response)
    assert rows[0][:3] == ["Student", "District ID", "School"]
    assert [row[0] for row in rows[1:]] == ["Mateo Garcia"]
    with app.app_context():
        audited = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "report.export")
        ).all()
        assert [(a.student_id, a.target, a.actor_role) for a in audited] == [
            (demo.students["mateo"], "report:overdue", "privacy_officer")
        ]


def test_figures_without_names_export_without_audit_rows(app, as_):
    as_("lee").get("/reports/open-by-school.csv").get_data()
    with app.app_context():
        exports = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "report.export")
        ).all()
        assert exports == []


def test_the_overdue_page_is_a_staff_read_of_each_student_shown(app, as_, demo):
    page = as_("lee").get("/reports/overdue").get_data(as_text=True)
    assert "Mateo Garcia" in page
    with app.app_context():
        views_ = db.session.scalars(
            select(AuditEvent.student_id).where(AuditEvent.action == "report.overdue.view")
        ).all()
        assert views_ == [demo.students["mateo"]]


def test_a_cell_a_spreadsheet_would_run_is_kept_as_text():
    assert views._cell("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    assert views._cell("-1") == "'-1"
    assert views._cell("Zoom") == "Zoom"


def test_the_overdue_page_says_dates_as_every_page_does_and_the_csv_in_iso(as_):
    lee = as_("lee")
    header, row = csv_rows(lee.get("/reports/overdue.csv"))
    filed, due = (date.fromisoformat(row[header.index(h)]) for h in ("Filed", "Was due"))
    page = lee.get("/reports/overdue").get_data(as_text=True)
    for day in (filed, due):
        assert f"{day:%b} {day.day}, {day.year}" in page  # "Nov 26, 2026", as on request pages
        assert day.isoformat() not in page

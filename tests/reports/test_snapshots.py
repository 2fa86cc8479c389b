"""District figures computed ahead (`flask reports refresh`): the privacy office's district
pages show them, saying when they were computed, while they are fresh; a school's figures and
stale snapshots are always computed live, and the pages never write a snapshot themselves."""

from datetime import timedelta

from sqlalchemy import create_engine, func, select, text, update

from consent.core import clock
from consent.extensions import db
from consent.reports.models import ReportSnapshot
from consent.reports.snapshots import REFRESH_LOCK
from tests.reliability.helpers import file_via_web
from tests.reports.test_pages import tables_of

PAGES = ["/reports", "/reports/tools", "/reports/consent-forms"]
COMPUTED = "The district figures on this page were computed at"


def refresh(app) -> str:
    result = app.test_cli_runner().invoke(args=["reports", "refresh"])
    assert result.exit_code == 0, result.output
    return result.output


def open_total(page: str) -> str:
    """The open-by-status table's rows, which change when a request is filed."""
    return str(tables_of(page)["open-by-status"])


def test_the_refreshed_figures_are_the_live_ones_and_say_when_they_were_computed(app, as_):
    lee = as_("lee")
    live = {url: lee.get(url).get_data(as_text=True) for url in PAGES}
    assert all(COMPUTED not in page for page in live.values())
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ReportSnapshot)) == 0
    assert "district figures refreshed:" in refresh(app)
    for url in PAGES:
        page = lee.get(url).get_data(as_text=True)
        assert COMPUTED in page, url
        assert tables_of(page) == tables_of(live[url]), url


def test_the_district_page_keeps_its_snapshot_until_the_next_refresh(app, demo, as_):
    lee, brooks = as_("lee"), as_("brooks")
    refresh(app)
    before = open_total(lee.get("/reports").get_data(as_text=True))
    school_before = open_total(brooks.get("/reports").get_data(as_text=True))
    file_via_web(as_("maria"), app, demo, "sofia", "seesaw", "photos")

    assert open_total(lee.get("/reports").get_data(as_text=True)) == before
    principal = brooks.get("/reports").get_data(as_text=True)  # one school: always live
    assert COMPUTED not in principal and open_total(principal) != school_before
    oakwood = lee.get(f"/reports?school={demo.schools['oakwood']}").get_data(as_text=True)
    assert COMPUTED not in oakwood

    refresh(app)
    assert open_total(lee.get("/reports").get_data(as_text=True)) != before


def test_a_stale_snapshot_is_not_shown(app, demo, as_):
    lee = as_("lee")
    refresh(app)
    file_via_web(as_("maria"), app, demo, "sofia", "seesaw", "photos")
    with app.app_context():
        max_age = app.config["REPORT_SNAPSHOT_MAX_AGE_SECONDS"]
        db.session.execute(
            update(ReportSnapshot).values(computed_at=clock.now() - timedelta(seconds=max_age + 60))
        )
        db.session.commit()
    page = lee.get("/reports").get_data(as_text=True)
    assert COMPUTED not in page
    assert "As of" in page


def test_a_refresh_started_while_another_runs_does_nothing(app):
    """Cron on two hosts, or a slow run overlapping the next: the second stops at once instead
    of failing on the snapshots the first is replacing (PostgreSQL; SQLite runs take turns)."""
    with app.app_context():
        url = db.engine.url
    other = create_engine(url)
    try:
        with other.connect() as running:
            if url.get_backend_name() == "postgresql":
                running.execute(text("SELECT pg_advisory_lock(:key)"), {"key": REFRESH_LOCK})
                assert "another refresh is running; nothing done" in refresh(app)
                running.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": REFRESH_LOCK})
            else:
                running.execute(text("SELECT count(*) FROM report_snapshot"))  # a reader
            assert "district figures refreshed:" in refresh(app)
    finally:
        other.dispose()

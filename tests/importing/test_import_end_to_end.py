"""The roster import as the privacy office runs it: `flask roster import` and the upload page."""

import io
import shutil
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import func, select

from consent.extensions import db
from consent.roster.models import Guardian, RosterImport, Student

DATA = Path(__file__).resolve().parents[1] / "roster" / "data"
GUARDIANS_SET = DATA / "oneroster-1.1-guardians"
SHARED = Path(__file__).resolve().parents[3] / "shared" / "fixtures"


def run_cli(app, *args):
    return app.test_cli_runner().invoke(args=["roster", "import", *map(str, args)])


def students(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).where(Student.active.is_(True)))


def test_dry_run_prints_the_summary_and_writes_nothing(app):
    result = run_cli(app, "--dry-run", GUARDIANS_SET)
    assert result.exit_code == 0, result.output
    assert "Dry run: nothing was written." in result.output
    assert "students     created 4" in result.output
    assert students(app) == 13  # the demo district, untouched
    with app.app_context():
        run = db.session.scalars(select(RosterImport)).one()
        assert (run.outcome, run.dry_run) == ("checked", True)


def test_import_then_reimport_changes_nothing_the_second_time(app):
    first = run_cli(app, GUARDIANS_SET)
    assert first.exit_code == 0, first.output
    assert "Roster imported." in first.output
    assert students(app) == 4
    with app.app_context():
        names = set(db.session.scalars(select(Student.given_name).where(Student.active.is_(True))))
        assert {"José", "Zoë"} <= names
    second = run_cli(app, GUARDIANS_SET)
    assert "Nothing changed" in second.output


@pytest.mark.parametrize("fixture", ["oneroster-1.1-edfi-grand-bend", "sds-v2.1-microsoft-sample"])
def test_the_public_samples_import(app, fixture):
    result = run_cli(app, SHARED / fixture)
    assert result.exit_code == 0, result.output
    assert students(app) > 0


def test_a_broken_set_is_refused_whole_with_file_line_and_column(app, tmp_path):
    broken = tmp_path / "broken"
    shutil.copytree(GUARDIANS_SET, broken)
    enrollments = broken / "enrollments.csv"
    lines = enrollments.read_text(encoding="utf-8").splitlines()
    cells = lines[1].split(",")
    cells[-2] = "2026-13-45"  # beginDate
    lines[1] = ",".join(cells)
    enrollments.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = run_cli(app, broken)
    assert result.exit_code == 1
    assert "Nothing changed." in result.output
    assert "enrollments.csv, line 2, column beginDate" in result.output
    assert students(app) == 13
    with app.app_context():
        assert db.session.scalars(select(RosterImport.outcome)).one() == "refused"


def zipped(folder: Path) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.iterdir()):
            archive.write(path, path.name)
    return buffer.getvalue()


def upload(lee, data: bytes, name="roster.zip", dry_run=False):
    fields = {"archive": (io.BytesIO(data), name)}
    if dry_run:
        fields["dry_run"] = "y"
    return lee.post("/roster/imports", fields, content_type="multipart/form-data")


def wait_for(lee, location: str) -> str:
    """The import's page once the roster worker (one pass of `flask roster work`) ran."""
    html = lee.get(location).get_data(as_text=True)
    assert "Queued: waiting for the roster worker" in html
    result = lee.client.application.test_cli_runner().invoke(args=["roster", "work"])
    assert result.exit_code == 0, result.output
    return lee.get(location).get_data(as_text=True)


def test_the_upload_page_imports_in_the_background_and_shows_the_result(app, as_):
    lee = as_("lee")
    response = upload(lee, zipped(GUARDIANS_SET))
    assert response.status_code == 302
    html = wait_for(lee, response.headers["Location"])
    assert "The roster was imported." in html
    assert "students     created 4" in html or "created 4" in html
    assert students(app) == 4
    listing = lee.get("/roster/imports").get_data(as_text=True)
    assert "roster.zip" in listing and "applied" in listing
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Guardian)) == 15 + 5


def test_an_upload_check_changes_nothing(app, as_):
    lee = as_("lee")
    response = upload(lee, zipped(GUARDIANS_SET), dry_run=True)
    html = wait_for(lee, response.headers["Location"])
    assert "Checked only: nothing was changed." in html
    assert students(app) == 13


def test_a_file_that_is_not_a_zip_is_refused_on_the_form(app, as_):
    lee = as_("lee")
    response = upload(lee, b"sourcedId,name\n", name="orgs.csv")
    assert response.status_code == 200
    assert "Upload a .zip file of CSV files." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(RosterImport)) == 0


def test_a_zip_with_a_traversal_name_is_refused_and_changes_nothing(app, as_):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("../escape.csv", "x\n")
    lee = as_("lee")
    html = wait_for(lee, upload(lee, buffer.getvalue()).headers["Location"])
    assert "The roster was not imported. Nothing was changed." in html
    assert students(app) == 13


@pytest.mark.parametrize("persona", ["maria", "johnson", "brooks"])
def test_only_the_privacy_office_imports(as_, persona):
    assert as_(persona).get("/roster/imports").status_code == 404


def test_an_upload_over_the_size_limit_is_refused_and_the_site_keeps_serving(app, as_):
    lee = as_("lee")
    app.config["ROSTER_UPLOAD_MAX_BYTES"] = 64 * 1024
    response = upload(lee, b"\0" * (128 * 1024))
    assert response.status_code == 413
    assert "That is too large." in response.get_data(as_text=True)
    assert lee.get("/roster/imports").status_code == 200
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(RosterImport)) == 0


def test_only_the_upload_page_accepts_more_than_a_megabyte(app, as_):
    maria = as_("maria")
    response = maria.post("/signin", {"email": "x" * (2 * 1024 * 1024)}, token_from="/children")
    assert response.status_code == 413

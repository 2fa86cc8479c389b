"""Consent-form coverage by school and by home language, and the students with no answer,
on the Lincoln school (factories.lincoln) with a district-wide media release form.

Lincoln's active students s1..s6 are in scope (s7 left). s1 and s3 gave consent, s2 refused;
s4, s5 and s6 have no answer. s5 and s6's first parent with FERPA rights prefers Spanish; the
others' prefers English. So: 3 of 6 answered (50.0%); English 3 of 4 (75.0%), Spanish 0 of 2.
"""

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select, update

from consent.audit.models import AuditEvent
from consent.consentforms.models import (
    Answer,
    AnswerMethod,
    ConsentAnswer,
    ConsentForm,
    ConsentFormVersion,
    FormKind,
    FormMode,
    FormStatus,
)
from consent.extensions import db
from consent.reports.queries import TABLES, ReportScope, rows_of
from consent.roster.models import GuardianLink, School, Student
from tests import factories
from tests.reports.test_pages import csv_rows, tables_of

TODAY = factories.LINCOLN_TODAY


def build_form(app) -> dict:
    with app.app_context():
        lincoln = factories.lincoln()
        spanish = factories.guardian(
            given_name="Sofía", family_name="Lincoln", email=None, preferred_language="es"
        )
        for key in ("s5", "s6"):
            link = db.session.scalar(
                select(GuardianLink).where(GuardianLink.student_id == lincoln.students[key])
            )
            link.has_rights = False  # Lena stays linked, as a relative without rights
            factories.link(spanish, db.session.get(Student, lincoln.students[key]))
        form = ConsentForm(
            school_year="2026-2027",
            kind=FormKind.MEDIA_RELEASE,
            mode=FormMode.OPT_OUT,
            title="Photos and video release",
            opens_on=date(2026, 9, 1),
            closes_on=date(2026, 12, 18),
            status=FormStatus.PUBLISHED,
            published_at=datetime(2026, 9, 1, 12, tzinfo=UTC),
        )
        draft = ConsentForm(
            school_year="2026-2027",
            kind=FormKind.PPRA_SURVEY,
            mode=FormMode.OPT_IN,
            title="A draft survey notice",
            opens_on=date(2026, 9, 1),
            closes_on=date(2026, 12, 18),
            status=FormStatus.DRAFT,
        )
        db.session.add_all([form, draft])
        db.session.flush()
        version = ConsentFormVersion(form_id=form.id, number=1, text="May we publish photos?")
        db.session.add(version)
        db.session.flush()
        lena = lincoln.guardian_id
        for key, answer in (("s1", Answer.GRANTED), ("s2", Answer.REFUSED), ("s3", Answer.GRANTED)):
            db.session.add(
                ConsentAnswer(
                    form_id=form.id,
                    student_id=lincoln.students[key],
                    answer=answer,
                    version_id=version.id,
                    guardian_id=lena,
                    method=AnswerMethod.WEB,
                )
            )
        db.session.commit()
        return {"form": form.id, "draft": draft.id, "school": lincoln.school_id, **lincoln.students}


@pytest.fixture
def media(app):
    return build_form(app)


def cells(name, scope):
    table = TABLES[name]
    return [table.cells(row) for row in rows_of(table, scope)]


def test_coverage_by_school_and_by_home_language(app, media):
    with app.test_request_context():
        scope = ReportScope(db.session.get(School, media["school"]), TODAY, media["form"])
        assert cells("coverage-by-school", scope) == [
            ["Lincoln Report School", "6", "3", "50.0", "2", "1"]
        ]
        assert cells("coverage-by-language", scope) == [
            ["Spanish", "2", "0", "0.0", "0", "0"],
            ["English", "4", "3", "75.0", "2", "1"],
        ]
        assert [row[0] for row in cells("non-responders", scope)] == [
            "Linc4 Pupil",
            "Linc5 Pupil",
            "Linc6 Pupil",
        ]
        assert [row[4] for row in cells("non-responders", scope)] == [
            "English",
            "Spanish",
            "Spanish",
        ]
        # The district: every active demo student is in scope too, and none answered.
        district = cells("coverage-by-school", ReportScope(None, TODAY, media["form"]))
        assert ["Lincoln Report School", "6", "3", "50.0", "2", "1"] in district
        assert len(district) == 4


def test_the_page_lists_non_responders_and_audits_the_read(app, as_, media):
    lee = as_("lee")
    url = f"/reports/consent-forms?form={media['form']}&school={media['school']}"
    page = lee.get(url).get_data(as_text=True)
    shown = tables_of(page)
    assert shown["coverage-by-school"][1:] == [
        ["Lincoln Report School", "6", "3", "50.0", "2", "1"]
    ]
    assert [row[0] for row in shown["non-responders"][1:]] == [
        "Linc4 Pupil",
        "Linc5 Pupil",
        "Linc6 Pupil",
    ]
    assert "A draft survey notice" not in page  # only published forms are offered
    with app.app_context():
        read = db.session.scalars(
            select(AuditEvent.student_id).where(AuditEvent.action == "report.nonresponders.view")
        ).all()
        assert sorted(read) == sorted([media["s4"], media["s5"], media["s6"]])


def test_non_responders_export_matches_and_is_audited(app, as_, media):
    lee = as_("lee")
    url = f"/reports/non-responders.csv?form={media['form']}&school={media['school']}"
    response = lee.get(url)
    assert response.is_streamed
    rows = csv_rows(response)
    assert rows[0] == ["Student", "District ID", "School", "Grade", "Home language"]
    assert rows[1:] == [
        ["Linc4 Pupil", "L000004", "Lincoln Report School", "3", "English"],
        ["Linc5 Pupil", "L000005", "Lincoln Report School", "3", "Spanish"],
        ["Linc6 Pupil", "L000006", "Lincoln Report School", "3", "Spanish"],
    ]
    with app.app_context():
        exported = db.session.scalars(
            select(AuditEvent.student_id).where(
                AuditEvent.action == "report.export", AuditEvent.target == "report:non-responders"
            )
        ).all()
        assert sorted(exported) == sorted([media["s4"], media["s5"], media["s6"]])


def test_coverage_exports_match_the_page(as_, media):
    lee = as_("lee")
    page = tables_of(lee.get(f"/reports/consent-forms?form={media['form']}").get_data(as_text=True))
    for name in ("coverage-by-school", "coverage-by-language"):
        response = lee.get(f"/reports/{name}.csv?form={media['form']}")
        assert csv_rows(response) == page[name]


def test_a_draft_or_missing_form_is_not_reported(as_, media):
    lee = as_("lee")
    for form in (media["draft"], 987654):
        assert lee.get(f"/reports/consent-forms?form={form}").status_code == 404
        assert lee.get(f"/reports/non-responders.csv?form={form}").status_code == 404
    assert lee.get("/reports/non-responders.csv").status_code == 404  # which form?


def test_a_principal_sees_only_their_schools_students(as_, media, demo):
    brooks = as_("brooks")
    page = brooks.get(f"/reports/consent-forms?form={media['form']}").get_data(as_text=True)
    assert "Lincoln" not in page
    assert "Riverside Middle School" not in page  # a form may name it; its students never show
    shown = tables_of(page)
    assert [row[0] for row in shown["coverage-by-school"][1:]] == ["Oakwood Elementary School"]
    other = f"/reports/non-responders.csv?form={media['form']}&school={media['school']}"
    assert brooks.get(other).status_code == 404


def test_without_a_published_form_the_page_says_so(app, as_):
    with app.app_context():
        db.session.execute(update(ConsentForm).values(status=FormStatus.DRAFT, published_at=None))
        db.session.commit()
    page = as_("lee").get("/reports/consent-forms").get_data(as_text=True)
    assert "No consent form has been published yet." in page

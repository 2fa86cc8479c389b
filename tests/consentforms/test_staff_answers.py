"""Refusals reach the staff who act: each student's answer on the forms staff must see, with
what no answer means, on the teacher's class list and the staff student page."""

import re
from datetime import timedelta

from sqlalchemy import select

from consent.audit.models import AuditEvent
from consent.catalog.models import LegalBasis, Tool, ToolUse, UseScope
from consent.catalog.reach import reaches
from consent.consentforms import operations
from consent.consentforms.models import Answer, ConsentForm, FormKind, FormMode, FormStatus
from consent.consentforms.queries import consent_asked, consent_tools_without_form, staff_answers
from consent.core import clock
from consent.extensions import db
from consent.roster.conditions import current_enrollment
from consent.roster.models import Enrollment, Section, Student
from tests.consentforms.conftest import count


def _row(html: str, form_title: str, name: str) -> str:
    """The text of `name`'s row in the table under the heading `form_title`."""
    table = html.split(f"<h3>{form_title}</h3>", 1)[1].split("</table>", 1)[0]
    row = next(r for r in table.split("<tr>") if name in r)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip()


def test_class_list_shows_each_students_answer_and_what_no_answer_means(app, demo, as_, make_form):
    directory = make_form(title="Directory information 2026")  # opt-out
    yearbook = make_form(
        kind=FormKind.MEDIA_RELEASE, mode=FormMode.OPT_IN, title="Yearbook photos 2026"
    )
    patricia, maria = as_("patricia"), as_("maria")
    olivia, mateo = demo.students["olivia"], demo.students["mateo"]
    ok = patricia.post(f"/forms/{directory}/students/{olivia}", {"answer": "refused"})
    assert ok.status_code == 302
    assert (
        maria.post(f"/forms/{directory}/students/{mateo}", {"answer": "granted"}).status_code == 302
    )
    assert (
        maria.post(f"/forms/{yearbook}/students/{mateo}", {"answer": "granted"}).status_code == 302
    )

    html = as_("patel").get(f"/sections/{demo.sections['english7']}").get_data(as_text=True)
    assert "Directory information, photos, releases and tool consents" in html
    assert _row(html, "Directory information 2026", "Olivia Jones") == (
        "Olivia Jones No Do not release"
    )
    assert _row(html, "Directory information 2026", "Mateo Garcia") == (
        "Mateo Garcia Yes May be released"
    )
    assert _row(html, "Directory information 2026", "Lucas Wilson") == (
        "Lucas Wilson No answer May be released: no answer counts as yes on this opt-out form"
    )
    assert _row(html, "Yearbook photos 2026", "Lucas Wilson") == (
        "Lucas Wilson No answer Do not release: no answer counts as no on this opt-in form"
    )
    assert _row(html, "Yearbook photos 2026", "Mateo Garcia") == (
        "Mateo Garcia Yes May be released"
    )
    # Reading the list is a view of each student on it.
    with app.app_context():
        assert (
            count(
                AuditEvent,
                AuditEvent.action == "section.answers.view",
                AuditEvent.student_id == olivia,
            )
            == 1
        )


def test_forms_staff_need_not_see_stay_off_the_class_list(app, demo, as_, make_form):
    make_form(kind=FormKind.PPRA_SURVEY, title="Health survey 2026")
    html = as_("patel").get(f"/sections/{demo.sections['english7']}").get_data(as_text=True)
    assert "Health survey 2026" not in html


def test_staff_student_page_shows_the_answers_and_the_family_does_not(app, demo, as_, make_form):
    form_id = make_form(title="Directory information 2026")
    patricia = as_("patricia")
    olivia = demo.students["olivia"]
    assert (
        patricia.post(f"/forms/{form_id}/students/{olivia}", {"answer": "refused"}).status_code
        == 302
    )

    page = as_("reed").get(f"/students/{olivia}").get_data(as_text=True)
    assert "Directory information, photos, releases and tool consents" in page
    section = re.sub(
        r"<[^>]+>", " ", page.split('id="releases-heading"', 1)[1].split("</section>")[0]
    )
    section = re.sub(r"\s+", " ", section)
    assert "Directory information 2026 No Do not release" in section
    family = patricia.get(f"/students/{olivia}").get_data(as_text=True)
    assert "releases-heading" not in family


def test_answer_as_of_a_day_is_the_one_given_by_then(app, demo, account, make_form):
    form_id = make_form(title="Directory information 2026")
    with app.app_context():
        today = clock.today()
        form = db.session.get(ConsentForm, form_id)
        olivia = db.session.get(Student, demo.students["olivia"])
        patricia = account("patricia")
        operations.answer_form(
            actor=patricia,
            form=form,
            student=olivia,
            answer=Answer.REFUSED,
            now=clock.day_start(today - timedelta(days=2)) + timedelta(hours=10),
        )
        operations.answer_form(actor=patricia, form=form, student=olivia, answer=Answer.GRANTED)
        db.session.commit()

        def answer_on(day):
            rows = staff_answers([olivia.id], day)[olivia.id]
            return [(a.form.id, a.answer, a.released) for a in rows if a.form.id == form_id]

        assert answer_on(today - timedelta(days=3)) == [(form_id, None, True)]
        assert answer_on(today - timedelta(days=2)) == [(form_id, Answer.REFUSED, False)]
        assert answer_on(today) == [(form_id, Answer.GRANTED, True)]
        # Before the form opened there was nothing to answer.
        assert answer_on(today - timedelta(days=8)) == []


# --- the do-not-release list ---------------------------------------------------------------


def _refuse(as_, make_form, demo, **fields):
    form_id = make_form(title="Directory information 2026", **fields)
    olivia = demo.students["olivia"]
    answer = as_("patricia").post(f"/forms/{form_id}/students/{olivia}", {"answer": "refused"})
    assert answer.status_code == 302
    return form_id


def _rows(html: str) -> dict[str, str]:
    """Each listed student's name → the text of their row."""
    # The students' table comes last, after the forms the list follows.
    body = html.split("<tbody>")[-1].split("</tbody>", 1)[0] if "<tbody>" in html else ""
    rows = {}
    for row in body.split("<tr>")[1:]:
        text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip()
        name = re.search(r'/students/\d+">([^<]+)<', row)
        rows[name.group(1) if name else text] = text
    return rows


def test_principal_lists_their_school_with_each_reason(app, demo, as_, make_form):
    _refuse(as_, make_form, demo)
    html = as_("reed").get("/do-not-release").get_data(as_text=True)
    rows = _rows(html)
    assert "Directory information 2026: Do not release" in rows["Olivia Jones"]
    # The demo's photo form is opt-in: no answer withholds, and the list says why.
    assert (
        "Photos and videos in school publications: Do not release: no answer counts as no on "
        "this opt-in form" in rows["Mateo Garcia"]
    )
    assert "Directory information 2026" not in rows["Mateo Garcia"]  # opt-out, no answer
    assert "Sofia Garcia" not in rows  # another school
    # A principal cannot ask for another school: it answers like a missing page.
    oakwood = as_("reed").get(f"/do-not-release?school={demo.schools['oakwood']}")
    assert oakwood.status_code == 404


def test_office_lists_the_district_or_one_school(app, demo, as_, make_form):
    _refuse(as_, make_form, demo)
    lee = as_("lee")
    district = _rows(lee.get("/do-not-release").get_data(as_text=True))
    assert "Olivia Jones" in district and "Sofia Garcia" in district
    oakwood = _rows(
        lee.get(f"/do-not-release?school={demo.schools['oakwood']}").get_data(as_text=True)
    )
    assert "Sofia Garcia" in oakwood and "Olivia Jones" not in oakwood


def test_the_list_is_as_of_the_chosen_day(app, demo, as_, make_form):
    _refuse(as_, make_form, demo)
    with app.app_context():
        yesterday = clock.today() - timedelta(days=1)
    html = as_("reed").get(f"/do-not-release?day={yesterday.isoformat()}").get_data(as_text=True)
    assert "Directory information 2026" not in _rows(html).get("Olivia Jones", "")


def test_a_bad_day_is_refused_with_a_message_and_lists_nothing(app, demo, as_, make_form):
    _refuse(as_, make_form, demo)
    answer = as_("reed").get("/do-not-release?day=2026-13-45")
    html = answer.get_data(as_text=True)
    assert answer.status_code == 200
    assert "Not a valid date value." in html
    assert "Olivia Jones" not in html


def test_teachers_and_families_have_no_do_not_release_list(app, demo, as_):
    for persona in ("patel", "patricia"):
        assert as_(persona).get("/do-not-release").status_code == 404
        assert as_(persona).get("/do-not-release.csv").status_code == 404


def test_csv_streams_the_list_and_is_audited_per_student(app, demo, as_, make_form):
    _refuse(as_, make_form, demo)
    olivia = demo.students["olivia"]
    answer = as_("reed").get("/do-not-release.csv")
    assert answer.status_code == 200 and answer.mimetype == "text/csv"
    assert answer.is_streamed
    text = answer.get_data(as_text=True)
    lines = text.lstrip("\ufeff").splitlines()
    assert lines[0] == "Student,Student number,School,Grade,Do not release"
    olivia_line = next(line for line in lines if line.startswith("Olivia Jones"))
    assert "Directory information 2026: refused" in olivia_line
    assert "Sofia Garcia" not in text
    with app.app_context():
        assert (
            count(
                AuditEvent,
                AuditEvent.action == "release.export",
                AuditEvent.student_id == olivia,
            )
            == 1
        )


def test_the_demo_shows_a_directory_refusal_on_a_class_list(app, demo, as_):
    html = as_("patel").get(f"/sections/{demo.sections['english7']}").get_data(as_text=True)
    assert _row(html, "Directory information at Riverside", "Olivia Jones") == (
        "Olivia Jones No Do not release"
    )


def test_class_list_shows_each_students_tool_consent_and_what_to_do(app, demo, as_):
    """The demo's Flip consent (English 7) has an answer in every state."""
    html = as_("patel").get(f"/sections/{demo.sections['english7']}").get_data(as_text=True)
    title = "Consent for Flip in English 7"
    assert _row(html, title, "Mateo Garcia") == "Mateo Garcia Yes Consented: may use Flip"
    assert _row(html, title, "Lucas Wilson") == (
        "Lucas Wilson No Refused: use the alternative activity"
    )
    assert _row(html, title, "Olivia Jones") == (
        "Olivia Jones No answer No consent yet: use the alternative activity"
    )
    # A class that does not use Flip does not list its consent.
    math = as_("patel").get(f"/sections/{demo.sections['math7']}").get_data(as_text=True)
    assert title not in math
    # A tool's consent is not a release of data: the do-not-release list leaves it out.
    listed = as_("reed").get("/do-not-release").get_data(as_text=True)
    assert title not in listed


def test_a_consent_tool_nobody_was_asked_about_is_flagged_on_the_class_list(app, demo, as_):
    """Without a published consent form reaching the school, nobody could have said yes."""
    notice = "Flip needs each parent's consent, and no consent form has asked the families"
    english = f"/sections/{demo.sections['english7']}"
    assert notice not in as_("patel").get(english).get_data(as_text=True)
    with app.app_context():
        db.session.execute(
            ConsentForm.__table__.update()
            .where(ConsentForm.title == "Consent for Flip in English 7")
            .values(status=FormStatus.DRAFT, published_at=None)
        )
        db.session.commit()
    html = as_("patel").get(english).get_data(as_text=True)
    assert notice in html
    assert "Consent for Flip in English 7" not in html  # a draft asks nobody
    math = as_("patel").get(f"/sections/{demo.sections['math7']}").get_data(as_text=True)
    assert "Flip needs each parent" not in math  # Math 7 does not use Flip


def test_the_tools_flagged_on_a_class_list_are_those_reach_gives_its_students(ctx, demo):
    """The class list's "nobody was asked" tools come from `consent.catalog.reach`'s scopes and
    dates: a use in the class that ended yesterday or one at its school that starts tomorrow
    is not flagged, and reach does not give it to the class's own students either."""
    today = clock.today()
    db.session.execute(
        ConsentForm.__table__.update()
        .where(ConsentForm.title == "Consent for Flip in English 7")
        .values(status=FormStatus.DRAFT, published_at=None)
    )
    math7 = db.session.get(Section, demo.sections["math7"])
    db.session.add_all(
        [
            ToolUse(
                tool_id=demo.tools["flip"],
                scope=UseScope.SECTION,
                section=math7,
                starts_on=today - timedelta(days=30),
                ends_on=today - timedelta(days=1),
            ),
            ToolUse(
                tool_id=demo.tools["flip"],
                scope=UseScope.SCHOOL,
                school_id=math7.school_id,
                starts_on=today + timedelta(days=1),
            ),
        ]
    )
    db.session.flush()
    flagged = {}
    for key in ("math7", "english7"):
        section = db.session.get(Section, demo.sections[key])
        listed = consent_tools_without_form(section.id, section.school_id, today)
        # Flat, so that `reaches` correlates with both the student and the tool.
        reached = (
            select(Tool.id)
            .join(Enrollment, Enrollment.section_id == section.id)
            .join(Student, Student.id == Enrollment.student_id)
            .where(
                current_enrollment(today),
                Student.school_id == section.school_id,  # its own students, not visitors
                Tool.legal_basis == LegalBasis.PARENT_CONSENT,
                ~consent_asked(Tool.id, section.school_id, today),
                reaches(today, student_id=Student.id, tool_id=Tool.id, section_id=section.id),
            )
        )
        flagged[key] = {tool.id for tool in listed}
        assert flagged[key] == set(db.session.scalars(reached)), key
    assert flagged == {"math7": set(), "english7": {demo.tools["flip"]}}

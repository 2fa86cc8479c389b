"""The do-not-release list: a page at a time, as of a chosen day, saying what no answer means
on each form it follows (opt-out form: released; opt-in form: withheld, also once the window
has closed); its CSV streams the whole list; the office marks any form "staff must see this"."""

import re
from datetime import timedelta

from sqlalchemy import select

from consent.consentforms import queries
from consent.consentforms.models import ConsentForm, FormKind, FormMode, FormStatus
from consent.core import clock
from consent.extensions import db
from consent.roster.models import Student


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _listed(html: str) -> list[str]:
    body = html.split("<tbody>")[-1].split("</tbody>", 1)[0] if "<tbody>" in html else ""
    return re.findall(r'<th scope="row"><a href="/students/\d+">([^<]+)</a>', body)


def _days(app, opens: int, closes: int) -> dict:
    with app.app_context():
        today = clock.today()
    return {"opens_on": today + timedelta(days=opens), "closes_on": today + timedelta(days=closes)}


def test_the_list_paginates_in_the_lists_order(app, demo, as_):
    app.config["PAGE_SIZE"] = 2
    lee = as_("lee")
    first = lee.get("/do-not-release").get_data(as_text=True)
    second = lee.get("/do-not-release?page=2").get_data(as_text=True)
    names_first, names_second = _listed(first), _listed(second)
    assert len(names_first) == 2 and len(names_second) == 2
    assert not set(names_first) & set(names_second)
    assert "Page 1 of" in _text(first) and 'rel="next"' in first
    # The day and the school carry over to the next page.
    with app.app_context():
        today = clock.today().isoformat()
    day = lee.get(f"/do-not-release?day={today}").get_data(as_text=True)
    assert "day=" in re.search(r'href="([^"]*page=2[^"]*)"', day).group(1)


def test_the_page_says_what_no_answer_means_on_each_form(app, demo, as_, make_form):
    make_form(title="Directory information 2026")  # opt-out, open
    make_form(
        kind=FormKind.MEDIA_RELEASE,
        mode=FormMode.OPT_IN,
        title="Yearbook photos 2026",
        **_days(app, -20, -1),  # closed yesterday, nobody answered
    )
    page = _text(as_("reed").get("/do-not-release").get_data(as_text=True))
    assert (
        "Directory information 2026 is released: on this opt-out form no answer counts as yes, "
        "so the student is not listed"
    ) in page
    assert (
        "Yearbook photos 2026 is not released: on this opt-in form no answer counts as no, so "
        "the student is listed Closed on"
    ) in page
    assert "no answer now follows the form's rule for the year" in page
    # After the window, no answer on the opt-in form still withholds, and the row says so.
    assert (
        "Yearbook photos 2026: Do not release: no answer after the form closed counts as no on "
        "this opt-in form"
    ) in page
    assert "Directory information 2026:" not in page  # nobody refused the opt-out form


def test_the_list_agrees_with_each_students_answers(app, demo, as_, make_form):
    """The list's SQL and the class list's answers say the same for every student."""
    directory = make_form(title="Directory information 2026")
    make_form(kind=FormKind.MILITARY_RECRUITER, grades=["9"], title="Recruiters 2026")
    as_("patricia").post(
        f"/forms/{directory}/students/{demo.students['olivia']}", {"answer": "refused"}
    )
    as_("maria").post(
        f"/forms/{directory}/students/{demo.students['mateo']}", {"answer": "granted"}
    )
    with app.app_context():
        today = clock.today()
        listed = set(db.session.scalars(queries.do_not_release(None, today)).unique())
        listed = {s.id for s in listed}
        everyone = list(db.session.scalars(select(Student.id).where(Student.active.is_(True))))
        answers = queries.staff_answers(everyone, today)
        expected = {
            sid
            for sid, rows in answers.items()
            if any(not a.released and a.form.kind is not FormKind.TOOL_CONSENT for a in rows)
        }
        assert listed == expected
        assert demo.students["olivia"] in listed


def test_csv_puts_every_reason_of_a_student_on_one_line(app, demo, as_, make_form):
    directory = make_form(title="Directory information 2026")
    olivia = demo.students["olivia"]
    as_("patricia").post(f"/forms/{directory}/students/{olivia}", {"answer": "refused"})
    app.config["PAGE_SIZE"] = 1  # the download is the whole list, not one page
    lines = as_("reed").get("/do-not-release.csv").get_data(as_text=True).splitlines()
    olivias = [line for line in lines if line.startswith("Olivia Jones")]
    assert len(olivias) == 1
    assert "Directory information 2026: refused" in olivias[0]
    assert "Photos and videos in school publications: no answer on an opt-in form" in olivias[0]
    assert len(lines) > 3  # header and every Riverside student withheld, not one page


def test_the_office_marks_any_form_staff_must_see(app, demo, as_, make_form):
    survey = make_form(kind=FormKind.PPRA_SURVEY, title="Health survey 2026")
    patel = as_("patel")
    english = f"/sections/{demo.sections['english7']}"
    assert "Health survey 2026" not in patel.get(english).get_data(as_text=True)
    lee = as_("lee")
    edit = lee.get(f"/consent-forms/{survey}/edit").get_data(as_text=True)
    assert "Staff must see this" in edit
    with app.app_context():
        form = db.session.get(ConsentForm, survey)
        fields = {
            "title": form.title,
            "opens_on": form.opens_on.isoformat(),
            "closes_on": form.closes_on.isoformat(),
            "text": "Health survey text.",
            "staff_must_see": "y",
        }
    assert lee.post(f"/consent-forms/{survey}/edit", fields).status_code == 302
    assert "Health survey 2026" in patel.get(english).get_data(as_text=True)
    detail = _text(lee.get(f"/consent-forms/{survey}").get_data(as_text=True))
    assert "Staff must see this Yes" in detail


def test_a_release_form_stays_marked_whatever_the_box_says(app, demo, as_, make_form):
    directory = make_form(title="Directory information 2026")
    with app.app_context():
        form = db.session.get(ConsentForm, directory)
        fields = {
            "title": form.title,
            "opens_on": form.opens_on.isoformat(),
            "closes_on": form.closes_on.isoformat(),
            "text": "Directory text.",
        }  # the box left empty
    assert as_("lee").post(f"/consent-forms/{directory}/edit", fields).status_code == 302
    with app.app_context():
        assert db.session.get(ConsentForm, directory).staff_must_see is True


def test_a_new_form_can_be_marked_staff_must_see(app, demo, as_):
    with app.app_context():
        today = clock.today()
    fields = {
        "title": "Field trip survey",
        "kind": FormKind.PPRA_SURVEY.value,
        "mode": FormMode.OPT_IN.value,
        "school_year": "",
        "opens_on": today.isoformat(),
        "closes_on": (today + timedelta(days=5)).isoformat(),
        "text": "A survey.",
        "staff_must_see": "y",
    }
    assert as_("lee").post("/consent-forms/new", fields).status_code == 302
    with app.app_context():
        form = db.session.scalar(
            select(ConsentForm).where(ConsentForm.title == "Field trip survey")
        )
        assert form.staff_must_see is True


def test_one_refusal_lists_that_student_only(app, demo, as_, make_form):
    """Without the demo's opt-in forms, a refusal on an opt-out form lists exactly the student
    whose guardian refused, not every student the form reaches."""
    with app.app_context():
        db.session.execute(
            ConsentForm.__table__.update()
            .where(ConsentForm.mode == FormMode.OPT_IN)
            .values(status=FormStatus.DRAFT, published_at=None)
        )
        db.session.commit()
    directory = make_form(title="Directory information 2026")
    olivia = demo.students["olivia"]
    as_("patricia").post(f"/forms/{directory}/students/{olivia}", {"answer": "refused"})
    for persona in ("reed", "lee"):
        assert _listed(as_(persona).get("/do-not-release").get_data(as_text=True)) == [
            "Olivia Jones"
        ]
    lines = as_("lee").get("/do-not-release.csv").get_data(as_text=True).splitlines()
    assert len(lines) == 2 and lines[1].startswith("Olivia Jones")

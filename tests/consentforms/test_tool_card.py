"""A tool that needs each parent's consent shows the child's consent on its card on the child's
page, and the guardian answers from there; a refusal opens the routed opt-out, as an answer on
the form always has. The demo's Flip (English 7) has an answer in every state."""

import re

from sqlalchemy import select

from consent.catalog.models import Tool
from consent.consentforms.models import ConsentForm, FormStatus
from consent.extensions import db
from consent.optouts.models import OptOut, Task

TITLE = "Consent for Flip in English 7"


def _card(html: str, tool: str = "Flip") -> str:
    """The text of a tool's card on the child page, and its links."""
    start = html.index(f">{tool} <span")
    card = html[start : html.index("</section>", start)]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", card)), card


def _flip_form(app) -> int:
    with app.app_context():
        return db.session.scalar(select(ConsentForm.id).where(ConsentForm.title == TITLE))


def test_the_card_shows_consent_given_and_lets_the_parent_change_it(app, demo, as_):
    text, card = _card(as_("maria").get(f"/students/{demo.students['mateo']}").get_data(True))
    assert "Consent for Flip" in text and "Consent given. Mateo may use Flip." in text
    form_id = _flip_form(app)
    assert f'href="/forms/{form_id}/students/{demo.students["mateo"]}"' in card
    assert "Change your answer for Flip" in text


def test_no_answer_yet_says_what_happens_and_refusing_from_the_card_opens_the_opt_out(
    app, demo, as_
):
    patricia = as_("patricia")
    olivia = demo.students["olivia"]
    text, card = _card(patricia.get(f"/students/{olivia}").get_data(as_text=True))
    assert "No answer yet. Until a parent or guardian says yes, Olivia does the alternative" in text
    link = re.search(r'href="(/forms/\d+/students/\d+)"', card).group(1)
    assert "Give or refuse consent to Flip" in text

    answered = patricia.post(link, {"answer": "refused"})
    assert answered.status_code == 302
    page = patricia.get(answered.headers["Location"]).get_data(as_text=True)
    assert "an opt-out request for Flip was sent to Olivia" in page
    with app.app_context():
        optout = db.session.scalar(
            select(OptOut).where(
                OptOut.student_id == olivia,
                OptOut.tool_id == demo.tools["flip"],
                OptOut.feature == "",
            )
        )
        assert optout is not None and optout.accommodation == "Alternative activity"
        teachers = db.session.scalars(select(Task.teacher_id).where(Task.optout_id == optout.id))
        assert set(teachers) == {demo.staff["patel"]}
    text, _card_html = _card(patricia.get(f"/students/{olivia}").get_data(as_text=True))
    assert "Consent refused. Olivia does not use Flip" in text


def test_the_demo_refusal_entered_on_paper_opened_a_routed_opt_out(app, demo):
    with app.app_context():
        optout = db.session.scalar(
            select(OptOut).where(
                OptOut.student_id == demo.students["lucas"],
                OptOut.tool_id == demo.tools["flip"],
            )
        )
        assert optout is not None and optout.feature == ""
        assert optout.channel.value == "paper"
        assert (
            db.session.scalar(select(Task.teacher_id).where(Task.optout_id == optout.id))
            == (demo.staff["patel"])
        )


def test_a_relative_sees_the_status_but_no_button(app, demo, as_, make_form):
    """Grace (Ava's relative, no FERPA rights) sees a consent tool's status and nothing to press."""
    from consent.consentforms.models import FormKind, FormMode
    from consent.core import clock

    with app.app_context():
        tool = db.session.get(Tool, demo.tools["flip"])
        from consent.catalog.models import ToolUse, UseScope

        db.session.add(
            ToolUse(
                tool=tool,
                scope=UseScope.SECTION,
                section_id=demo.sections["room12"],
                starts_on=clock.today(),
            )
        )
        db.session.commit()
    make_form(
        kind=FormKind.TOOL_CONSENT,
        mode=FormMode.OPT_IN,
        title="Flip at Oakwood",
        tool_id=demo.tools["flip"],
        school_ids=[demo.schools["oakwood"]],
    )
    text, card = _card(as_("grace").get(f"/students/{demo.students['ava']}").get_data(True))
    assert "No answer yet." in text
    assert "/forms/" not in card and "Opt out of Flip" not in text
    text, card = _card(as_("james").get(f"/students/{demo.students['ava']}").get_data(True))
    assert "Give or refuse consent to Flip" in text


def test_a_consent_tool_without_a_form_says_the_district_has_not_asked(app, demo, as_):
    with app.app_context():
        db.session.execute(
            ConsentForm.__table__.update()
            .where(ConsentForm.title == TITLE)
            .values(status=FormStatus.DRAFT, published_at=None)
        )
        db.session.commit()
    text, card = _card(as_("maria").get(f"/students/{demo.students['mateo']}").get_data(True))
    assert "The district has not asked for consent to Flip yet." in text
    assert "/forms/" not in card


def test_staff_see_no_guardian_consent_card(app, demo, as_):
    html = as_("reed").get(f"/students/{demo.students['mateo']}").get_data(as_text=True)
    assert "Give or refuse consent" not in html and "Consent given." not in html
    # The staff page has the answers table instead.
    assert TITLE in html

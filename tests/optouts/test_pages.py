"""The opt-out pages as each role uses them, through the real forms with CSRF on."""

import re
from datetime import datetime

import pytest
from sqlalchemy import func, select

from consent.audit.models import AuditEvent
from consent.extensions import db
from consent.optouts.models import OptOut, OptOutStatus, Task, TaskStatus


def count(app, model, *where):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


def load(app, model, id_):
    with app.app_context():
        obj = db.session.get(model, id_)
        db.session.expunge_all()
        return obj


@pytest.fixture
def form_url(demo):
    return f"/students/{demo.students['sofia']}/optouts/new?tool={demo.tools['seesaw']}"


def answers(**extra):
    data = {
        "feature": "photos",
        "accommodation": "Post work without photos or videos of my child",
        "reason": "We keep photos of our children offline.",
    }
    data.update(extra)
    return data


# --- guardian -----------------------------------------------------------------------------


def test_dashboard_lists_each_child_with_school_grade_tools_and_open_requests(as_):
    html = as_("maria").get("/children").get_data(as_text=True)
    assert "Sofia Garcia" in html and "Oakwood Elementary School" in html
    assert "Mateo Garcia" in html and "Riverside Middle School" in html
    assert "Ava Chen" not in html  # James's child
    # Mateo: Classroom (district), Khan Academy (school), Zoom, Nearpod, Flip (sections) = 5 tools;
    # two open requests (Zoom recording, Khan Academy).
    mateo = html[html.index("Mateo Garcia") :]
    assert re.search(r"Tools in use</dt><dd>5<", mateo)
    assert re.search(r"Open requests</dt><dd>2<", mateo)


def test_child_page_shows_every_tool_with_what_it_collects_and_why(as_, demo):
    html = as_("maria").get(f"/students/{demo.students['sofia']}").get_data(as_text=True)
    for tool in ("Google Classroom", "Zoom", "Seesaw", "Nearpod"):
        assert tool in html
    assert "Khan Academy" not in html and "Flip" not in html  # Riverside-only tools
    assert "video and audio of live lessons" in html
    assert "School official" in html
    assert "Opt out of Seesaw" in html


def test_tool_page_shows_the_full_catalog_entry(as_, demo):
    html = as_("maria").get(f"/tools/{demo.tools['zoom']}").get_data(as_text=True)
    for text in (
        "Zoom Communications, Inc.",
        "Application Technology Meta Data",
        "Camera off",
        "Recording",
        "Data agreement signed",
        "privacy-statement",
    ):
        assert text in html


def test_rights_page_cites_ferpa_sections_and_how_to_complain(browser):
    html = browser.get("/rights").get_data(as_text=True)
    for text in (
        "99.10",
        "45 days",
        "99.20",
        "99.31(a)(1)",
        "99.32",
        "99.37",
        "180 days",
        "Student Privacy Policy Office",
    ):
        assert text in html


def test_filing_shows_a_review_of_exactly_what_is_sent_then_a_receipt(app, as_, demo, form_url):
    maria = as_("maria")
    before = count(app, OptOut)
    review = maria.post(form_url, answers(review="Review my request"))
    html = review.get_data(as_text=True)
    assert review.status_code == 200
    assert "Check your request" in html
    assert "Photos and videos of my child" in html
    assert "We keep photos of our children offline." in html
    assert count(app, OptOut) == before  # nothing is saved by the review step

    sent = maria.post(form_url, answers(send="Send request"))
    assert sent.status_code == 302 and "/receipt" in sent.headers["Location"]
    assert count(app, OptOut) == before + 1
    receipt = maria.get(sent.headers["Location"]).get_data(as_text=True)
    assert "Your request is sent" in receipt
    assert "Emily Johnson" in receipt and "David Kim" in receipt


def test_change_my_answers_goes_back_to_the_form_with_answers_kept(as_, form_url):
    response = as_("maria").post(form_url, answers(edit="Change my answers"))
    html = response.get_data(as_text=True)
    assert "Review my request" in html
    assert "We keep photos of our children offline." in html


def test_the_whole_tool_can_be_opted_out_of(app, as_, form_url):
    sent = as_("maria").post(form_url, answers(feature="", send="Send request"))
    assert sent.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(OptOut.feature).order_by(OptOut.id.desc()).limit(1)) == ""


def test_the_reason_is_optional(app, as_, form_url):
    sent = as_("maria").post(form_url, answers(reason="", send="Send request"))
    assert sent.status_code == 302


def test_missing_accommodation_is_explained_and_nothing_is_saved(app, as_, form_url):
    before = count(app, OptOut)
    response = as_("maria").post(form_url, answers(accommodation="", send="Send request"))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Choose what should happen instead." in html
    assert "We keep photos of our children offline." in html  # input kept
    assert count(app, OptOut) == before


def test_an_accommodation_from_another_tool_is_refused(app, as_, form_url):
    before = count(app, OptOut)
    response = as_("maria").post(form_url, answers(accommodation="Camera off", send="Send request"))
    assert response.status_code == 200
    assert "Choose one of the accommodations listed" in response.get_data(as_text=True)
    assert count(app, OptOut) == before


def test_a_feature_the_tool_does_not_have_is_refused(app, as_, form_url):
    before = count(app, OptOut)
    response = as_("maria").post(form_url, answers(feature="chat", send="Send request"))
    assert "Choose one of the parts of the tool listed." in response.get_data(as_text=True)
    assert count(app, OptOut) == before


def test_a_too_long_reason_is_refused(app, as_, form_url):
    before = count(app, OptOut)
    response = as_("maria").post(form_url, answers(reason="x" * 2001, send="Send request"))
    assert "2000" in response.get_data(as_text=True)
    assert count(app, OptOut) == before


def test_a_tampered_tool_is_refused_as_missing_and_audited(app, as_, demo):
    # Khan Academy is not used at Sofia's school.
    url = f"/students/{demo.students['sofia']}/optouts/new?tool={demo.tools['khan']}"
    denied_before = count(app, AuditEvent, AuditEvent.action == "access.denied")
    response = as_("maria").post(url, answers(send="Send request"), token_from="/children")
    assert response.status_code == 404
    assert count(app, AuditEvent, AuditEvent.action == "access.denied") == denied_before + 1


def test_another_childs_id_is_refused_as_missing(app, as_, demo):
    before = count(app, OptOut)
    url = f"/students/{demo.students['ava']}/optouts/new?tool={demo.tools['seesaw']}"
    response = as_("maria").post(url, answers(send="Send request"), token_from="/children")
    assert response.status_code == 404
    assert count(app, OptOut) == before


def test_a_relative_without_rights_may_look_but_not_file(as_, demo):
    grace = as_("grace")
    assert grace.get(f"/students/{demo.students['ava']}").status_code == 200
    assert grace.get(f"/students/{demo.students['ava']}/optouts/new").status_code == 404


def test_request_page_shows_status_due_dates_plan_and_timeline(as_, demo):
    html = as_("maria").get(f"/requests/{demo.optouts['confirmed']}").get_data(as_text=True)
    assert "Confirmed" in html
    assert "Plan due by" in html and "Confirmation due by" in html
    assert "Sofia keeps her camera off" in html
    for step in ("Request filed", "Teacher recorded a plan", "Principal confirmed the plan"):
        assert step in html


def test_staff_see_which_class_a_request_concerns_and_reach_the_student(as_, demo):
    html = as_("patel").get(f"/requests/{demo.optouts['returned']}").get_data(as_text=True)
    used = re.search(r"<dt>Used in</dt><dd>(.*?)</dd>", html, re.S).group(1)
    assert used == "English 7"  # Olivia's Flip video, used only in that class
    assert f'href="/students/{demo.students["olivia"]}"' in html


def test_withdraw_asks_for_confirmation_then_withdraws(app, as_, demo):
    james = as_("james")
    optout_id = demo.optouts["planned"]
    page = james.get(f"/requests/{optout_id}/withdraw")
    assert "Withdraw this request?" in page.get_data(as_text=True)
    assert load(app, OptOut, optout_id).status is OptOutStatus.PLANNED  # the GET changed nothing
    done = james.post(f"/requests/{optout_id}/withdraw", {})
    assert done.status_code == 302
    assert load(app, OptOut, optout_id).status is OptOutStatus.WITHDRAWN
    html = james.get(done.headers["Location"]).get_data(as_text=True)
    assert "Your request is withdrawn" in html


def test_withdrawing_an_ended_request_is_refused_with_a_message(app, as_, demo):
    optout_id = demo.optouts["closed"]
    response = as_("james").post(f"/requests/{optout_id}/withdraw", {}, follow_redirects=True)
    assert "already ended" in response.get_data(as_text=True)
    assert load(app, OptOut, optout_id).status is OptOutStatus.CLOSED


# --- teacher ------------------------------------------------------------------------------


def test_teacher_inbox_lists_their_tasks_overdue_first(as_, demo):
    html = as_("patel").get("/tasks").get_data(as_text=True)
    rows = re.findall(r"<tr>(.*?)</tr>", html, re.S)[1:]
    assert "Khan Academy" in rows[0] and "Overdue" in rows[0]
    assert any("Zoom" in row for row in rows)
    assert "Ava Chen" not in html  # Oakwood student


def test_a_returned_plan_says_returned_with_the_principals_note(as_):
    html = as_("patel").get("/tasks").get_data(as_text=True)
    row = next(r for r in re.findall(r"<tr>(.*?)</tr>", html, re.S) if "Olivia" in r)
    assert "Returned" in row
    assert "The family asked for a written response; please plan for that." in row


def test_open_tasks_come_by_the_day_their_plan_is_due(as_):
    html = as_("patel").get("/tasks").get_data(as_text=True)
    due = []
    for row in re.findall(r"<tr>(.*?)</tr>", html, re.S)[1:]:
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        if not re.search(r"New|Acknowledged|Returned", cells[3]):
            break  # finished tasks follow the open ones
        day = re.search(r"[A-Z][a-z]{2} \d{1,2}, \d{4}", cells[5]).group()
        due.append(datetime.strptime(day, "%b %d, %Y").date())
    assert len(due) >= 2
    assert due == sorted(due)


def test_teacher_acknowledges_then_records_the_plan(app, as_, demo):
    patel = as_("patel")
    optout_id = demo.optouts["submitted"]
    with app.app_context():
        task_id = db.session.scalar(select(Task.id).where(Task.optout_id == optout_id))
    patel.post(f"/tasks/{task_id}/acknowledge", {}, token_from=f"/requests/{optout_id}")
    assert load(app, OptOut, optout_id).status is OptOutStatus.IN_PROGRESS

    bad = patel.post(f"/tasks/{task_id}/plan", {"option": "", "note": "x"})
    assert "Choose the accommodation you will give." in bad.get_data(as_text=True)
    assert load(app, Task, task_id).status is TaskStatus.ACKNOWLEDGED

    patel.post(
        f"/tasks/{task_id}/plan",
        {"option": "No recording while my child is present", "note": "Recording paused."},
    )
    assert load(app, Task, task_id).status is TaskStatus.PLANNED
    assert load(app, OptOut, optout_id).status is OptOutStatus.PLANNED


def test_acknowledging_twice_is_refused_with_a_message(app, as_, demo):
    optout_id = demo.optouts["in_progress"]
    with app.app_context():
        task_id = db.session.scalar(select(Task.id).where(Task.optout_id == optout_id))
    response = as_("patel").post(
        f"/tasks/{task_id}/acknowledge",
        {},
        token_from=f"/requests/{optout_id}",
        follow_redirects=True,
    )
    assert "already acknowledged" in response.get_data(as_text=True)


def test_section_page_lists_active_opt_outs_grouped_by_tool(as_, demo):
    html = as_("johnson").get(f"/sections/{demo.sections['room12']}").get_data(as_text=True)
    assert "<h3>Zoom</h3>" in html
    assert "Sofia Garcia" in html and "Camera (video)" in html
    science = as_("johnson").get(f"/sections/{demo.sections['science4']}").get_data(as_text=True)
    assert "<h3>Seesaw</h3>" in science and "Ava Chen" in science
    assert "Nearpod" not in science  # Ava's Nearpod request was closed


# --- principal and privacy office ---------------------------------------------------------


def test_principal_sees_only_their_school_and_filters_by_status_and_tool(as_, demo):
    reed = as_("reed")
    html = reed.get("/requests").get_data(as_text=True)
    assert "Mateo Garcia" in html and "Olivia Jones" in html
    assert "Sofia Garcia" not in html and "Ava Chen" not in html
    only_flip = reed.get(f"/requests?tool={demo.tools['flip']}").get_data(as_text=True)
    assert "Olivia Jones" in only_flip and "Mateo Garcia" not in only_flip
    submitted = reed.get("/requests?status=submitted").get_data(as_text=True)
    assert "Mateo Garcia" in submitted and "Olivia Jones" not in submitted
    overdue = reed.get("/requests?overdue=1").get_data(as_text=True)
    assert "Khan Academy" in overdue and "Flip" not in overdue.split("<tbody>")[-1]


def test_the_filter_keeps_the_chosen_tool_selected_and_names_tools_as_written(app, as_, demo):
    """The tool list has its own faster widget; it must say what WTForms' own select says."""
    from consent.catalog.models import Tool

    with app.app_context():
        db.session.get(Tool, demo.tools["flip"]).name = 'Flip & "Draw" <Studio>'
        db.session.commit()
    html = as_("reed").get(f"/requests?tool={demo.tools['flip']}").get_data(as_text=True)
    flip = f'<option selected value="{demo.tools["flip"]}">Flip &amp; &#34;Draw&#34; &lt;Studio&gt;'
    assert html.count(flip) == 1
    assert '<option value="">Any tool</option>' in html
    assert f'<option value="{demo.tools["khan"]}">Khan Academy</option>' in html
    assert "Olivia Jones" in html.split("<tbody>")[-1]


def test_privacy_officer_sees_every_school(as_):
    html = as_("lee").get("/requests").get_data(as_text=True)
    assert "Sofia Garcia" in html and "Mateo Garcia" in html and "Ava Chen" in html


def test_principal_confirms_a_plan(app, as_, demo):
    optout_id = demo.optouts["planned"]
    brooks = as_("brooks")
    brooks.post(f"/requests/{optout_id}/confirm", {}, token_from=f"/requests/{optout_id}")
    assert load(app, OptOut, optout_id).status is OptOutStatus.CONFIRMED


def test_principal_returns_a_plan_with_a_note(app, as_, demo):
    optout_id = demo.optouts["planned"]
    brooks = as_("brooks")
    empty = brooks.post(f"/requests/{optout_id}/return", {"note": ""})
    assert "Say what the teacher should change." in empty.get_data(as_text=True)
    assert load(app, OptOut, optout_id).status is OptOutStatus.PLANNED
    brooks.post(f"/requests/{optout_id}/return", {"note": "Cover the science journal too."})
    assert load(app, OptOut, optout_id).status is OptOutStatus.IN_PROGRESS


def test_principal_closes_with_a_reason(app, as_, demo):
    optout_id = demo.optouts["submitted"]
    reed = as_("reed")
    empty = reed.post(f"/requests/{optout_id}/close", {"reason": ""})
    assert "Give the reason for closing." in empty.get_data(as_text=True)
    assert load(app, OptOut, optout_id).status is OptOutStatus.SUBMITTED
    reed.post(f"/requests/{optout_id}/close", {"reason": "Zoom is no longer used in Math 7."})
    assert load(app, OptOut, optout_id).status is OptOutStatus.CLOSED


def test_confirming_a_request_that_is_not_planned_is_refused(app, as_, demo):
    optout_id = demo.optouts["submitted"]
    response = as_("reed").post(
        f"/requests/{optout_id}/confirm",
        {},
        token_from=f"/requests/{optout_id}",
        follow_redirects=True,
    )
    assert "cannot be moved to confirmed" in response.get_data(as_text=True)
    assert load(app, OptOut, optout_id).status is OptOutStatus.SUBMITTED


def test_staff_views_of_a_student_are_audited(app, as_, demo):
    before = count(app, AuditEvent, AuditEvent.action == "student.view")
    as_("brooks").get(f"/students/{demo.students['sofia']}")
    with app.app_context():
        row = db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.action == "student.view")
            .order_by(AuditEvent.id.desc())
        ).first()
        assert row.student_id == demo.students["sofia"] and row.actor_role == "principal"
    assert count(app, AuditEvent, AuditEvent.action == "student.view") == before + 1


def test_a_planned_request_and_a_planned_task_have_their_own_labels(as_, demo):
    html = as_("brooks").get(f"/requests/{demo.optouts['planned']}").get_data(as_text=True)
    assert "Plan ready for the principal" in html  # the request
    assert "Plan recorded" in html  # each teacher's task


def test_section_page_lists_only_tools_that_section_uses(as_, demo):
    # Sofia's Zoom opt-out concerns Room 12; Grade 4 Science does not use Zoom.
    html = as_("kim").get(f"/sections/{demo.sections['science4']}").get_data(as_text=True)
    assert "Zoom" not in html
    assert "Seesaw" in html  # school-wide: reaches every section at Oakwood

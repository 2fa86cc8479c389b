"""The choices offered fit the part of the tool the family opts out of (issue 15): Camera is
not offered "No recording while my child is present". One rule (consent.optouts.rules) decides;
the family's form, the staff's form and the operations all refuse a choice that does not fit,
with a message on the form and nothing saved; the teacher's plan starts on what the family
asked for, among the choices that fit."""

import html
import re

import pytest
from sqlalchemy import func, select

from consent.accounts.models import Account
from consent.catalog.models import Tool
from consent.extensions import db
from consent.optouts import operations as ops
from consent.optouts.models import OptOut, Task
from consent.optouts.rules import OptOutError, fitting_options
from consent.roster.models import Student

CAMERA_OFF = "Camera off"
NO_RECORDING = "No recording while my child is present"
AUDIO_ONLY = "Join by audio only"
ALTERNATIVE = "Alternative activity"


def _zoom(demo) -> Tool:
    return db.session.get(Tool, demo.tools["zoom"])


def test_the_rule_offers_each_part_its_own_choices_and_the_general_ones(ctx, demo):
    zoom = _zoom(demo)
    assert fitting_options(zoom, "video") == [CAMERA_OFF, AUDIO_ONLY, ALTERNATIVE]
    assert fitting_options(zoom, "recording") == [NO_RECORDING, ALTERNATIVE]
    assert fitting_options(zoom, "chat") == [ALTERNATIVE]
    # All of Zoom: every choice, since the whole tool holds every part.
    assert fitting_options(zoom, "") == [CAMERA_OFF, NO_RECORDING, AUDIO_ONLY, ALTERNATIVE]
    classroom = db.session.get(Tool, demo.tools["classroom"])
    assert fitting_options(classroom, "") == [o.label for o in classroom.optout_options]


def _optouts(app) -> int:
    with app.app_context():
        count = db.session.scalar(select(func.count()).select_from(OptOut))
        db.session.remove()
        return count


def _new_url(demo, student="sofia", tool="zoom") -> str:
    return f"/students/{demo.students[student]}/optouts/new?tool={demo.tools[tool]}"


GROUP_RE = re.compile(r'<fieldset class="choice-group" data-part="([^"]*)">(.*?)</fieldset>', re.S)


def test_the_form_groups_the_choices_by_the_part_they_fit(demo, as_):
    page = as_("maria").get(_new_url(demo)).get_data(as_text=True)
    groups = {
        part: re.findall(r'name="accommodation"[^>]*value="([^"]+)"', body)
        for part, body in GROUP_RE.findall(page)
    }
    assert {part: [html.unescape(v) for v in values] for part, values in groups.items()} == {
        "video": [CAMERA_OFF, AUDIO_ONLY],
        "recording": [NO_RECORDING],
        "": [ALTERNATIVE],
    }
    assert 'src="/static/optout-choices.js"' in page


@pytest.mark.parametrize("step", ["review", "send"])
def test_a_choice_that_does_not_fit_the_part_is_refused_on_the_form(app, demo, as_, step):
    before = _optouts(app)
    fields = {"feature": "video", "accommodation": NO_RECORDING, "reason": ""}
    button = {"review": "Review my request", "send": "Send request"}[step]
    answer = as_("maria").post(_new_url(demo), {**fields, step: button})
    page = html.unescape(answer.get_data(as_text=True))
    assert answer.status_code == 200
    assert "“No recording while my child is present” is not a choice for Camera (video)" in page
    assert "Check your request" not in page
    assert _optouts(app) == before


def test_a_choice_that_fits_is_sent(app, demo, as_):
    fields = {"feature": "video", "accommodation": AUDIO_ONLY, "reason": ""}
    james, url = as_("james"), _new_url(demo, "ava")
    review = james.post(url, {**fields, "review": "Review my request"})
    assert "Check your request" in review.get_data(as_text=True)
    assert james.post(url, {**fields, "send": "Send request"}).status_code == 302


def test_staff_recording_for_a_family_are_refused_a_choice_that_does_not_fit(app, demo, as_):
    before = _optouts(app)
    answer = as_("johnson").post(
        f"/students/{demo.students['liam']}/optouts/record?tool={demo.tools['zoom']}",
        {
            "guardian": demo.guardians["robert"],
            "channel": "phone",
            "received_on": "",
            "feature": "recording",
            "accommodation": CAMERA_OFF,
            "note": "",
        },
    )
    page = html.unescape(answer.get_data(as_text=True))
    assert answer.status_code == 200
    assert "“Camera off” is not a choice for Recording" in page
    assert _optouts(app) == before


def test_the_operation_refuses_a_choice_that_does_not_fit(ctx, demo):
    with pytest.raises(OptOutError, match="is not a choice for Chat"):
        ops.file_optout(
            actor=db.session.get(Account, demo.accounts["maria"]),
            student=db.session.get(Student, demo.students["sofia"]),
            tool=_zoom(demo),
            feature="chat",
            accommodation=CAMERA_OFF,
        )


def _johnsons_task(app, demo, optout_id: int) -> int:
    with app.app_context():
        task_id = db.session.scalar(
            select(Task.id).where(
                Task.optout_id == optout_id, Task.teacher_id == demo.staff["johnson"]
            )
        )
        db.session.remove()
        return task_id


def _file_ava_camera(app, demo, as_, accommodation=AUDIO_ONLY) -> int:
    fields = {"feature": "video", "accommodation": accommodation, "reason": ""}
    sent = as_("james").post(_new_url(demo, "ava"), {**fields, "send": "Send request"})
    assert sent.status_code == 302
    return int(re.search(r"/requests/(\d+)/receipt", sent.headers["Location"]).group(1))


def test_the_plan_starts_on_what_the_family_asked_for(app, demo, as_):
    task_id = _johnsons_task(app, demo, _file_ava_camera(app, demo, as_))
    page = as_("johnson").get(f"/tasks/{task_id}/plan").get_data(as_text=True)
    radios = re.findall(r'<input[^>]*name="option"[^>]*>', page)
    offered = [html.unescape(re.search(r'value="([^"]+)"', r).group(1)) for r in radios]
    assert offered == [CAMERA_OFF, AUDIO_ONLY, ALTERNATIVE]
    checked = [
        html.unescape(re.search(r'value="([^"]+)"', r).group(1)) for r in radios if "checked" in r
    ]
    assert checked == [AUDIO_ONLY]


def test_a_plan_that_does_not_fit_the_part_is_refused(app, demo, as_):
    task_id = _johnsons_task(app, demo, _file_ava_camera(app, demo, as_))
    answer = as_("johnson").post(
        f"/tasks/{task_id}/plan", {"option": NO_RECORDING, "note": "No recording."}
    )
    assert answer.status_code == 200
    with app.app_context():
        assert db.session.get(Task, task_id).plan_option is None
        db.session.remove()
    with app.app_context():
        task = db.session.get(Task, task_id)
        with pytest.raises(OptOutError, match="is not a choice for Camera"):
            ops.record_plan(
                actor=db.session.get(Account, demo.accounts["johnson"]),
                task=task,
                option=NO_RECORDING,
            )
        db.session.rollback()
        db.session.remove()

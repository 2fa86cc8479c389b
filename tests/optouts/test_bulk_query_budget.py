"""The bulk actions' lists answer from the same number of SQL statements with 1 row as with 50:
the principal's list of plans to confirm, a class's forms and a class's paper-answer page
(one row per student); the review pages stay within the shared budget."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from consent.accounts.models import Account
from consent.consentforms import operations as forms
from consent.consentforms.models import FormKind, FormMode
from consent.core import clock
from consent.extensions import db
from consent.optouts import operations
from consent.optouts.models import OptOut, Task, TaskStatus
from consent.roster.models import Student, section_teacher
from tests import support
from tests.test_query_budget import BUDGET, School50, signed_in, statements_for


class PlannedSchool(School50):
    """School50 (one class, one teacher, a request per student) with every request planned by
    the teacher, and a published form for the school."""

    def __init__(self, app):
        super().__init__(app)
        with app.app_context():
            office = db.session.get(Account, _office())
            today = clock.today()
            form = forms.create_form(
                actor=office,
                school_year="2026-2027",
                kind=FormKind.MEDIA_RELEASE,
                mode=FormMode.OPT_IN,
                title="Budget photos",
                text="Photos?",
                opens_on=today - timedelta(days=1),
                closes_on=today + timedelta(days=10),
                school_ids=[self.school_id],
            )
            forms.publish_form(actor=office, form=form)
            db.session.commit()
            self.form_id = form.id
            db.session.remove()

    def grow_to(self, size: int) -> None:
        super().grow_to(size)
        with self.app.app_context():
            teacher = db.session.scalar(
                select(Account).where(
                    Account.staff_id.in_(
                        select(section_teacher.c.staff_id).where(
                            section_teacher.c.section_id == self.section_id
                        )
                    )
                )
            )
            tasks = db.session.scalars(
                select(Task)
                .join(OptOut, OptOut.id == Task.optout_id)
                .join(Student, Student.id == OptOut.student_id)
                .where(Student.school_id == self.school_id, Task.status == TaskStatus.OPEN)
            ).all()
            for task in tasks:
                operations.record_plan(
                    actor=teacher, task=task, option=task.optout.tool.optout_options[0].label
                )
            db.session.commit()
            db.session.remove()


def _office() -> int:
    from tests import factories

    return factories.privacy_office().id


@pytest.fixture
def school(app):
    app.config["PAGE_SIZE"] = 100  # every one of the 50 rows is on the page
    return PlannedSchool(app)


def test_bulk_lists_issue_the_same_statements_for_1_row_and_for_50(app, school):
    school.grow_to(1)
    clients = {who: signed_in(app, email) for who, email in school.emails.items()}
    pages = [
        ("principal", "/requests/confirm-many", r"Pupil\d+ Budget"),
        ("teacher", f"/sections/{school.section_id}/forms/{school.form_id}/answers", r"Pupil\d+"),
        ("principal", f"/sections/{school.section_id}/forms/{school.form_id}/answers", r"Pupil\d+"),
    ]
    small = {(who, url): statements_for(support, app, clients[who], url) for who, url, _ in pages}
    school.grow_to(50)
    problems = []
    for who, url, pattern in pages:
        statements_small, page_small = small[(who, url)]
        statements_large, page_large = statements_for(support, app, clients[who], url)
        shown = (
            len(set(re.findall(pattern, page_small))),
            len(set(re.findall(pattern, page_large))),
        )
        if shown != (1, 50):
            problems.append(f"{who} {url}: shows {shown}, not (1, 50)")
        if len(statements_small) != len(statements_large):
            problems.append(
                f"{who} {url}: {len(statements_small)} statements, then {len(statements_large)}"
            )
        if len(statements_large) > BUDGET:
            problems.append(f"{who} {url}: {len(statements_large)} statements, over {BUDGET}")
    assert not problems, "\n".join(problems)


def test_the_class_s_forms_cost_the_same_whatever_the_number_of_forms(app, school):
    school.grow_to(1)
    teacher = signed_in(app, school.emails["teacher"])
    url = f"/sections/{school.section_id}/forms"
    one, page = statements_for(support, app, teacher, url)
    assert "Budget photos" in page
    with app.app_context():
        office = db.session.get(Account, _office())
        today = clock.today()
        for number in range(49):
            form = forms.create_form(
                actor=office,
                school_year="2026-2027",
                kind=FormKind.PPRA_SURVEY,
                mode=FormMode.OPT_OUT,
                title=f"Survey{number} Budget",
                text="A survey.",
                opens_on=today,
                closes_on=today,
                school_ids=[school.school_id],
            )
            forms.publish_form(actor=office, form=form)
        db.session.commit()
        db.session.remove()
    fifty, page = statements_for(support, app, teacher, url)
    assert len(set(re.findall(r"Survey\d+ Budget", page))) == 49
    assert len(one) == len(fifty) <= BUDGET


def test_the_review_steps_stay_within_the_budget(app, demo, as_):
    """The pages a review shows are counted as a GET is: the close-requests page of a tool."""
    lee = signed_in(app, support.PERSONAS["lee"])
    statements, _page = statements_for(
        support, app, lee, f"/tools/{demo.tools['nearpod']}/close-requests"
    )
    assert len(statements) <= BUDGET
    statements, _page = statements_for(support, app, lee, f"/tools/{demo.tools['nearpod']}")
    assert len(statements) <= BUDGET

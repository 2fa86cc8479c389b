"""The consent-form pages answer from a bounded number of SQL statements: at most 12, and the
same number with 1 row as with 50 (children on the guardian's Forms page, students on the staff
list, forms on the forms list). Only the GET of the page itself is counted."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from consent.accounts.models import Account
from consent.catalog.models import LegalBasis
from consent.consentforms import operations
from consent.consentforms.models import Answer, ConsentForm, FormKind, FormMode
from consent.core import clock
from consent.demo.operations import DEMO_PASSWORD
from consent.extensions import db
from consent.roster.models import School, StaffRole
from consent.schoolcalendar.days import school_year_of
from tests import factories
from tests.support import PERSONAS, Browser, count_queries, sign_in_client

BUDGET = 12


class FormSchool:
    """A school of its own with a principal, one guardian of every student, and a published form
    for the school that every student has an answer on; grown to 1, then 50 students and forms."""

    def __init__(self, app):
        self.app = app
        with app.app_context():
            school = factories.school(name="Forms Budget School")
            principal = factories.staff(role=StaffRole.PRINCIPAL, school=school)
            guardian = factories.guardian()
            factories.account(principal)
            factories.account(guardian)
            office = factories.privacy_office()
            self.office_id = office.id
            today = clock.today()
            form = operations.create_form(
                actor=office,
                school_year="2026-2027",
                kind=FormKind.TOOL_CONSENT,
                mode=FormMode.OPT_IN,
                title="Budget form",
                text="Budget text.",
                opens_on=today - timedelta(days=1),
                closes_on=today + timedelta(days=10),
                school_ids=[school.id],
                tool_id=db.session.scalar(select(ConsentForm.tool_id).limit(1)) or _any_tool_id(),
            )
            operations.publish_form(actor=office, form=form)
            db.session.commit()
            self.school_id, self.guardian_id, self.form_id = school.id, guardian.id, form.id
            self.emails = {"principal": principal.email, "guardian": guardian.email}
            db.session.remove()
        self.size = 0

    def grow_to(self, size: int) -> None:
        with self.app.app_context():
            guardian_account = db.session.scalar(
                select(Account).where(Account.guardian_id == self.guardian_id)
            )
            form = db.session.get(ConsentForm, self.form_id)
            office = db.session.get(Account, self.office_id)
            school = db.session.get(School, self.school_id)
            today = clock.today()
            for number in range(self.size + 1, size + 1):
                student = factories.student(
                    school=school,
                    guardians=[guardian_account.guardian],
                    given_name=f"Kid{number}",
                    family_name="Budget",
                    grade="3",
                )
                operations.answer_form(
                    actor=guardian_account, form=form, student=student, answer=Answer.GRANTED
                )
                operations.create_form(
                    actor=office,
                    school_year="2026-2027",
                    kind=FormKind.PPRA_SURVEY,
                    mode=FormMode.OPT_OUT,
                    title=f"Survey{number} Budget",
                    text="A survey.",
                    opens_on=today,
                    closes_on=today,
                )
            db.session.commit()
            db.session.remove()
        self.size = size


def _any_tool_id() -> int:
    from consent.catalog.models import Tool

    return db.session.scalar(select(Tool.id).order_by(Tool.id).limit(1))


@pytest.fixture
def school(app):
    app.config["PAGE_SIZE"] = 100  # every one of the 50 rows is on the page
    return FormSchool(app)


def _measure(app, client, url):
    with count_queries(app) as statements:
        answer = client.get(url)
    assert answer.status_code == 200, f"{url} answered {answer.status_code}"
    return len(statements), answer.get_data(as_text=True)


def test_list_pages_issue_the_same_statements_for_1_row_and_for_50(app, school):
    school.grow_to(1)
    clients = {}
    for who, email in [*school.emails.items(), ("lee", PERSONAS["lee"])]:
        clients[who] = Browser(app.test_client())
        response = sign_in_client(clients[who].client, email, DEMO_PASSWORD)
        assert response.status_code == 302
    pages = [
        ("guardian", "/forms", r"Kid\d+ Budget"),
        ("principal", f"/consent-forms/{school.form_id}/students", r"Kid\d+ Budget"),
        ("lee", f"/consent-forms/{school.form_id}/students?show=granted", r"Kid\d+ Budget"),
        ("lee", "/consent-forms", r"Survey\d+ Budget"),
    ]
    import re

    small = {(who, url): _measure(app, clients[who], url) for who, url, _ in pages}
    school.grow_to(50)
    problems = []
    for who, url, pattern in pages:
        count_small, page_small = small[(who, url)]
        count_large, page_large = _measure(app, clients[who], url)
        print(f"{who:9} {url:40} {count_small} statements with 1 row, {count_large} with 50")
        shown = (
            len(set(re.findall(pattern, page_small))),
            len(set(re.findall(pattern, page_large))),
        )
        if shown != (1, 50):
            problems.append(f"{who} {url}: shows {shown}, not (1, 50)")
        if count_small != count_large:
            problems.append(f"{who} {url}: {count_small} statements, then {count_large}")
        if count_large > BUDGET:
            problems.append(f"{who} {url}: {count_large} statements, over {BUDGET}")
        if url.startswith("/sections/") and page_large.count("Consented: may use") != 50:
            problems.append(f"{who} {url}: the tool consent is not shown for every student")
    assert not problems, "\n".join(problems)


def test_single_pages_stay_within_the_budget(app, demo, as_, make_form):
    form_id = make_form()
    student = demo.students["sofia"]
    as_("maria").post(f"/forms/{form_id}/students/{student}", {"answer": "granted"})
    pages = [
        ("maria", f"/forms/{form_id}/students/{student}"),
        ("lee", f"/consent-forms/{form_id}"),
        ("brooks", f"/consent-forms/{form_id}"),
        ("lee", f"/consent-forms/{form_id}/edit"),
        ("lee", f"/consent-forms/{form_id}/publish"),
        ("lee", "/consent-forms/new"),
        ("brooks", f"/consent-forms/{form_id}/students/{student}/entry"),
    ]
    over = []
    clients = {}
    for persona, url in pages:
        clients.setdefault(persona, as_(persona))
        count, _page = _measure(app, clients[persona], url)
        if count > BUDGET:
            over.append(f"{persona} {url}: {count}")
    assert not over, over


def test_the_forms_waiting_block_costs_the_same_whatever_the_number_of_forms(
    app, demo, as_, make_form
):
    """The child page is in the shared budget test; its "Forms waiting" block is one statement
    whether one form or six wait (the demo's own, then five more)."""
    maria = as_("maria")
    url = f"/students/{demo.students['sofia']}"
    one, page = _measure(app, maria, url)
    assert page.count("answer by") == 1
    for number in range(5):
        make_form(title=f"Waiting form {number}")
    six, page = _measure(app, maria, url)
    assert page.count("answer by") == 6
    assert one == six


class ReleaseSchool:
    """A school of its own with a principal, a teacher's class and a directory-information form
    (opt-out) every student refused, and a tool needing parent consent used in the class with
    its consent form (answered yes); grown to 1, then 50 students in the class."""

    def __init__(self, app):
        self.app = app
        with app.app_context():
            school = factories.school(name="Release Budget School")
            principal = factories.staff(role=StaffRole.PRINCIPAL, school=school)
            teacher = factories.staff(school=school)
            section = factories.section(school=school, teachers=[teacher])
            guardian = factories.guardian()
            for person in (principal, teacher, guardian):
                factories.account(person)
            office = factories.privacy_office()
            today = clock.today()
            form = operations.create_form(
                actor=office,
                school_year=school_year_of(today),
                kind=FormKind.DIRECTORY_INFORMATION,
                mode=FormMode.OPT_OUT,
                title="Budget directory",
                text="Budget text.",
                opens_on=today - timedelta(days=1),
                closes_on=today + timedelta(days=10),
                school_ids=[school.id],
            )
            operations.publish_form(actor=office, form=form)
            tool = factories.tool(name="Consent Budget Tool", legal_basis=LegalBasis.PARENT_CONSENT)
            consent = operations.create_form(
                actor=office,
                school_year=school_year_of(today),
                kind=FormKind.TOOL_CONSENT,
                mode=FormMode.OPT_IN,
                title="Budget tool consent",
                text="Budget text.",
                opens_on=today - timedelta(days=1),
                closes_on=today + timedelta(days=10),
                school_ids=[school.id],
                tool_id=tool.id,
            )
            operations.publish_form(actor=office, form=consent)
            factories.tool_use(tool, section=section)
            db.session.commit()
            self.consent_id = consent.id
            self.school_id, self.section_id, self.form_id = school.id, section.id, form.id
            self.guardian_id = guardian.id
            self.emails = {"principal": principal.email, "teacher": teacher.email}
            db.session.remove()
        self.size = 0

    def grow_to(self, size: int) -> None:
        from consent.roster.models import Section

        with self.app.app_context():
            guardian_account = db.session.scalar(
                select(Account).where(Account.guardian_id == self.guardian_id)
            )
            form = db.session.get(ConsentForm, self.form_id)
            consent = db.session.get(ConsentForm, self.consent_id)
            section = db.session.get(Section, self.section_id)
            for number in range(self.size + 1, size + 1):
                student = factories.student(
                    sections=[section],
                    guardians=[guardian_account.guardian],
                    given_name=f"Kid{number}",
                    family_name="Release",
                    grade="3",
                )
                operations.answer_form(
                    actor=guardian_account, form=form, student=student, answer=Answer.REFUSED
                )
                operations.answer_form(
                    actor=guardian_account, form=consent, student=student, answer=Answer.GRANTED
                )
            db.session.commit()
            db.session.remove()
        self.size = size


def test_release_lists_issue_the_same_statements_for_1_student_and_for_50(app):
    import re

    app.config["PAGE_SIZE"] = 100  # every one of the 50 students is on the page
    school = ReleaseSchool(app)
    school.grow_to(1)
    clients = {}
    for who, email in school.emails.items():
        clients[who] = Browser(app.test_client())
        response = sign_in_client(clients[who].client, email, DEMO_PASSWORD)  # and the code
        assert response.status_code == 302
    pages = [
        ("principal", "/do-not-release"),
        ("teacher", f"/sections/{school.section_id}"),
        ("principal", f"/sections/{school.section_id}"),
    ]
    small = {page: _measure(app, clients[page[0]], page[1]) for page in pages}
    school.grow_to(50)
    problems = []
    for who, url in pages:
        count_small, page_small = small[(who, url)]
        count_large, page_large = _measure(app, clients[who], url)
        shown = (
            len(set(re.findall(r"Kid\d+ Release", page_small))),
            len(set(re.findall(r"Kid\d+ Release", page_large))),
        )
        if shown != (1, 50):
            problems.append(f"{who} {url}: shows {shown}, not (1, 50)")
        if count_small != count_large:
            problems.append(f"{who} {url}: {count_small} statements, then {count_large}")
        if count_large > BUDGET:
            problems.append(f"{who} {url}: {count_large} statements, over {BUDGET}")
        if url.startswith("/sections/") and page_large.count("Consented: may use") != 50:
            problems.append(f"{who} {url}: the tool consent is not shown for every student")
    assert not problems, "\n".join(problems)

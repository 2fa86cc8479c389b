"""The consent-form, report and data-sharing predicates, called as plain functions for every
role (and an anonymous visitor), and their loaders: a refusal is a 404 with one audit row.

The expected answers are written from the demo district (who is whose, who works where), not
from consent.access."""

from datetime import timedelta

import pytest
from flask_login import AnonymousUserMixin
from sqlalchemy import func, select
from werkzeug.exceptions import NotFound

from consent.access import (
    answerable_form_or_404,
    answers_on_the_web,
    answers_school_id,
    data_sharing_student_or_404,
    form_reaches,
    form_student_or_404,
    may_choose_report_school,
    may_follow_answers,
    may_manage_forms,
    may_see_data_sharing,
    may_see_form,
    may_see_reports,
    report_form_or_404,
    report_school_or_404,
    staff_form_or_404,
    visible_form_students,
    visible_forms,
)
from consent.accounts.models import Account
from consent.audit.models import AuditEvent
from consent.consentforms import operations
from consent.consentforms.models import ConsentForm, FormKind, FormMode, FormStatus
from consent.core import clock
from consent.demo.operations import STUDENTS
from consent.extensions import db
from consent.roster.models import Student

PEOPLE = ["maria", "grace", "johnson", "brooks", "reed", "lee", "anonymous"]
OFFICE = {"lee"}
LEADS = {"brooks", "reed", "lee"}
GUARDIANS = {"maria", "grace"}


@pytest.fixture
def person(app, demo, ctx):
    def get(key: str):
        if key == "anonymous":
            return AnonymousUserMixin()
        return db.session.get(Account, demo.accounts[key])

    return get


@pytest.fixture
def forms(app, demo, ctx):
    """A draft and a published form, both for Oakwood only."""
    office = db.session.get(Account, demo.accounts["lee"])
    oakwood = demo.schools["oakwood"]
    today = clock.today()
    made = {}
    for name in ("draft", "published"):
        made[name] = operations.create_form(
            actor=office,
            school_year="2026-2027",
            kind=FormKind.DIRECTORY_INFORMATION,
            mode=FormMode.OPT_OUT,
            title=f"Directory information ({name})",
            text="May the district share this? You can change your answer until it closes.",
            opens_on=today - timedelta(days=7),
            closes_on=today + timedelta(days=30),
            school_ids=[oakwood],
        )
    operations.publish_form(actor=office, form=made["published"])
    db.session.commit()
    return {name: form.id for name, form in made.items()}


def denied() -> int:
    return db.session.scalar(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "access.denied")
    )


# --- consent forms: predicates -------------------------------------------------------------


@pytest.mark.parametrize("key", PEOPLE)
def test_only_the_privacy_office_manages_forms(person, key):
    assert may_manage_forms(person(key)) is (key in OFFICE)


@pytest.mark.parametrize("key", PEOPLE)
def test_school_leads_follow_answers(person, key):
    assert may_follow_answers(person(key)) is (key in LEADS)


@pytest.mark.parametrize("key", PEOPLE)
def test_only_guardians_answer_on_the_web(person, key):
    assert answers_on_the_web(person(key)) is (key in GUARDIANS)


@pytest.mark.parametrize("key", PEOPLE)
def test_a_draft_is_seen_by_the_office_only_a_published_form_by_school_leads(person, key):
    actor = person(key)
    assert may_see_form(actor, ConsentForm(status=FormStatus.DRAFT)) is (key in OFFICE)
    assert may_see_form(actor, ConsentForm(status=FormStatus.PUBLISHED)) is (key in LEADS)


def test_a_principal_follows_their_own_school_and_the_office_the_district(demo, person):
    assert answers_school_id(person("brooks")) == demo.schools["oakwood"]
    assert answers_school_id(person("reed")) == demo.schools["riverside"]
    for key in ("lee", "johnson", "maria", "anonymous"):
        assert answers_school_id(person(key)) is None


def test_a_form_reaches_the_children_in_its_scope_once_published(demo, forms):
    draft, published = (db.session.get(ConsentForm, forms[k]) for k in ("draft", "published"))
    assert form_reaches(published, demo.students["sofia"])  # Oakwood
    assert not form_reaches(published, demo.students["mateo"])  # Riverside
    assert not form_reaches(draft, demo.students["sofia"])


def test_the_form_list_shows_drafts_to_the_office_only(person, forms):
    def listed(key):
        return set(db.session.scalars(visible_forms(person(key)).with_only_columns(ConsentForm.id)))

    assert {forms["draft"], forms["published"]} <= listed("lee")
    assert forms["published"] in listed("brooks")
    assert forms["draft"] not in listed("brooks")


def test_a_principal_lists_their_school_in_scope_the_office_everyone_in_scope(person, forms):
    form = db.session.get(ConsentForm, forms["published"])
    oakwood = {k for k, spec in STUDENTS.items() if spec[3] == "oakwood"}

    def names(key):
        return {s.given_name for s in db.session.scalars(visible_form_students(person(key), form))}

    expected = {STUDENTS[k][0] for k in oakwood}
    assert names("lee") == expected
    assert names("brooks") == expected
    assert names("reed") == set()  # the form is for Oakwood only


# --- consent forms: loaders ----------------------------------------------------------------


def test_a_principal_asking_for_a_draft_meets_a_missing_page_and_it_is_audited(person, forms):
    assert staff_form_or_404(person("lee"), forms["draft"]).id == forms["draft"]
    assert staff_form_or_404(person("brooks"), forms["published"]).id == forms["published"]
    before = denied()
    with pytest.raises(NotFound):
        staff_form_or_404(person("brooks"), forms["draft"])
    assert denied() == before + 1
    with pytest.raises(NotFound):
        staff_form_or_404(person("brooks"), 987_654)
    assert denied() == before + 2


def test_a_guardian_reaches_only_a_published_form_for_their_child(demo, person, forms):
    maria = person("maria")
    sofia = db.session.get(Student, demo.students["sofia"])
    mateo = db.session.get(Student, demo.students["mateo"])
    assert answerable_form_or_404(maria, forms["published"], sofia).id == forms["published"]
    before = denied()
    for form_id, child in ((forms["draft"], sofia), (forms["published"], mateo), (987_654, sofia)):
        with pytest.raises(NotFound):
            answerable_form_or_404(maria, form_id, child)
    assert denied() == before + 3


def test_staff_enter_answers_only_for_their_students_in_the_forms_scope(demo, person, forms):
    form = db.session.get(ConsentForm, forms["published"])
    sofia = demo.students["sofia"]
    assert form_student_or_404(person("brooks"), form, sofia, action=None).id == sofia
    before = denied()
    refused = [("reed", sofia), ("lee", demo.students["mateo"]), ("brooks", 987_654)]
    for key, student_id in refused:
        form = db.session.get(ConsentForm, forms["published"])
        with pytest.raises(NotFound):
            form_student_or_404(person(key), form, student_id, action=None)
    assert denied() == before + len(refused)


# --- reports -------------------------------------------------------------------------------


@pytest.mark.parametrize("key", PEOPLE)
def test_only_the_office_picks_the_school_a_report_covers(person, key):
    assert may_choose_report_school(person(key)) is (key in OFFICE)


@pytest.mark.parametrize("key", PEOPLE)
def test_reports_are_for_school_leads(person, key):
    assert may_see_reports(person(key)) is (key in LEADS)


def test_a_principal_always_gets_their_own_school(demo, person):
    oakwood, riverside = demo.schools["oakwood"], demo.schools["riverside"]
    assert report_school_or_404(person("brooks"), None).id == oakwood
    assert report_school_or_404(person("brooks"), oakwood).id == oakwood
    before = denied()
    with pytest.raises(NotFound):
        report_school_or_404(person("brooks"), riverside)
    assert denied() == before + 1
    assert db.session.scalar(select(AuditEvent.target).order_by(AuditEvent.id.desc())) == (
        f"school:{riverside}"
    )


def test_the_office_reports_on_the_district_or_a_school_it_picks(demo, person):
    lee = person("lee")
    assert report_school_or_404(lee, None) is None
    assert report_school_or_404(lee, demo.schools["riverside"]).id == demo.schools["riverside"]
    before = denied()
    with pytest.raises(NotFound):
        report_school_or_404(lee, 987_654)
    assert denied() == before + 1


@pytest.mark.parametrize("key", ["maria", "johnson"])
def test_other_roles_have_no_reports(demo, person, key):
    before = denied()
    with pytest.raises(NotFound):
        report_school_or_404(person(key), None)
    with pytest.raises(NotFound):
        report_school_or_404(person(key), demo.schools["oakwood"])
    assert denied() == before + 2


def test_a_report_covers_published_forms_only(person, forms):
    published = {forms["published"]}
    assert report_form_or_404(person("brooks"), forms["published"], published) == forms["published"]
    before = denied()
    for form_id in (forms["draft"], 987_654, None):
        with pytest.raises(NotFound):
            report_form_or_404(person("lee"), form_id, published)
    assert denied() == before + 3


# --- the family's data-sharing page --------------------------------------------------------

DATA_SHARING = {("maria", "sofia"), ("maria", "mateo")}


@pytest.mark.parametrize("key", PEOPLE)
@pytest.mark.parametrize("child", ["sofia", "mateo", "ava"])
def test_only_rights_holders_see_who_has_the_childs_data(demo, person, key, child):
    expected = (key, child) in DATA_SHARING
    assert may_see_data_sharing(person(key), demo.students[child]) is expected


def test_a_relative_without_rights_and_staff_meet_a_missing_page(demo, person):
    ava = demo.students["ava"]
    assert data_sharing_student_or_404(person("maria"), demo.students["sofia"]).given_name == (
        "Sofia"
    )
    before = denied()
    for key in ("grace", "brooks", "lee"):
        with pytest.raises(NotFound):
            data_sharing_student_or_404(person(key), ava)
    assert denied() == before + 3

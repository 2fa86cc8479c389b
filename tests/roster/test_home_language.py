"""The home language kept on each student (`Student.home_language`) stays what the definition,
`consent.consentforms.queries.home_language()`, gives after every kind of change to what the
definition reads: links added, ended, stripped of rights or removed, a court order, the rights
passing to the student at 18, a guardian's language chosen on the account page, a roster import,
an ORM bulk statement, the demo as loaded; and the check command finds a value set by hand."""

import importlib.util
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select, text, update

from consent.core import clock
from consent.extensions import db
from consent.records.models import LinkRestriction, RestrictionScope
from consent.roster import home_language
from consent.roster.importer.apply import apply_roster
from consent.roster.importer.records import LinkRecord, Mode, RosterSet
from consent.roster.models import Guardian, GuardianLink, Relationship, Student
from tests import factories
from tests.importing.test_apply import delta
from tests.records.test_court_orders import restrict
from tests.rights.helpers import turn_eighteen

MIGRATION = (
    Path(__file__).resolve().parents[2]
    / "migrations/versions/20261205_8a8171fb9fae_student_home_language.py"
)


def stored(student_id: int) -> str | None:
    return db.session.scalar(select(Student.home_language).where(Student.id == student_id))


def languages(app, demo, *names: str) -> dict[str, str | None]:
    """The kept home language of demo students, checked against the definition for everyone."""
    with app.app_context():
        assert home_language.differences() == []
        found = {name: stored(demo.students[name]) for name in names}
        db.session.remove()
    return found


def _link(guardian: Guardian, student: Student) -> GuardianLink:
    return db.session.scalar(
        select(GuardianLink).where(
            GuardianLink.guardian_id == guardian.id, GuardianLink.student_id == student.id
        )
    )


def test_the_demo_as_loaded_keeps_the_definitions_languages(app, demo):
    # Sofia and Mateo: Maria, their first parent, reads Spanish; Ava: James; Noah: Linda; Daniel
    # holds his own rights at 18 and kept his family's language.
    assert languages(app, demo, "sofia", "mateo", "ava", "noah", "daniel") == {
        "sofia": "es",
        "mateo": "es",
        "ava": "en",
        "noah": "es",
        "daniel": "es",
    }


def test_links_added_ended_given_and_stripped_of_rights_and_removed(ctx):
    pupil = factories.student()
    assert pupil.home_language is None  # no one holds the rights yet
    first = factories.guardian(children=[pupil], preferred_language="vi")
    assert pupil.home_language == "vi"  # read again from the database after the flush
    second = factories.guardian(children=[pupil], preferred_language="ko")
    assert pupil.home_language == "vi"  # the first link decides

    _link(first, pupil).has_rights = False
    db.session.flush()
    assert pupil.home_language == "ko"
    _link(first, pupil).has_rights = True
    _link(second, pupil).active = False
    db.session.flush()
    assert pupil.home_language == "vi"
    db.session.delete(_link(first, pupil))  # the first link removed: the second one counts
    _link(second, pupil).active = True
    db.session.flush()
    assert pupil.home_language == "ko"
    second.preferred_language = "fr"
    db.session.flush()
    assert pupil.home_language == "fr"

    other = factories.student()
    _link(second, pupil).student_id = other.id  # a link moved to another child
    db.session.flush()
    assert (pupil.home_language, other.home_language) == (None, "fr")
    _link(second, other).student = pupil  # and back, through the relationship
    db.session.flush()
    assert (pupil.home_language, other.home_language) == ("fr", None)
    assert home_language.differences() == []


def test_a_court_order_alone_ends_the_first_links_say_and_lifting_it_gives_it_back(ctx):
    """The order counts by itself (an import may give the link its rights back: the order still
    stands), and its removal is seen too."""
    pupil = factories.student()
    first = factories.guardian(children=[pupil], preferred_language="zh")
    factories.guardian(children=[pupil], preferred_language="ar")
    order = LinkRestriction(
        guardian_link_id=_link(first, pupil).id,
        student_id=pupil.id,
        reference="Order 7",
        ordered_on=clock.today(),
        removes=RestrictionScope.DECISIONS,
        recorded_by_account_id=factories.privacy_office().id,
    )
    db.session.add(order)
    db.session.flush()
    assert pupil.home_language == "ar"
    order.removes = RestrictionScope.ALL_RIGHTS
    db.session.flush()
    assert pupil.home_language == "ar"
    db.session.delete(order)
    db.session.flush()
    assert pupil.home_language == "zh"
    assert home_language.differences() == []


def test_a_court_order_recorded_on_the_page_moves_the_child_to_the_other_parent(app, as_, demo):
    assert restrict(as_, demo, app, "maria", "sofia", removes="decisions").status_code == 302
    assert languages(app, demo, "sofia", "mateo") == {"sofia": "en", "mateo": "es"}  # Luis's


def test_the_rights_passing_at_18_make_the_students_own_record_count(ctx):
    pupil = factories.student(grade="12")
    factories.guardian(children=[pupil], preferred_language="vi")
    pupil.eligible_on = clock.today()  # the parents decide no more
    db.session.flush()
    assert pupil.home_language is None
    own = factories.guardian(student_id=pupil.id, preferred_language="fr")
    factories.link(own, pupil)
    assert pupil.home_language == "fr"
    pupil.eligible_on = None  # set by mistake, and undone
    db.session.flush()
    assert pupil.home_language == "vi"
    assert home_language.differences() == []


def test_the_morning_job_passing_the_rights_keeps_the_column(app, demo):
    with app.app_context():
        maria = db.session.get(Guardian, demo.guardians["maria"])
        luis = db.session.get(Guardian, demo.guardians["luis"])
        maria.preferred_language, luis.preferred_language = "vi", "ko"
        db.session.commit()
        db.session.remove()
    assert languages(app, demo, "mateo") == {"mateo": "vi"}
    report = turn_eighteen(app, demo.students["mateo"])
    assert report.students == [demo.students["mateo"]]
    with app.app_context():
        own = db.session.scalar(
            select(Guardian).where(Guardian.student_id == demo.students["mateo"])
        )
        own.preferred_language = "zh"  # Mateo chooses his own language
        db.session.commit()
        db.session.remove()
    assert languages(app, demo, "mateo", "sofia") == {"mateo": "zh", "sofia": "vi"}


def test_a_language_chosen_on_the_account_page_is_the_childs(app, as_, demo):
    app.config["LANGUAGES"] = ("en", "es")  # Spanish offered, as a district has it by default
    james, grace = as_("james"), as_("grace")
    saved = james.post("/account/language", {"language": "es"}, token_from="/account")
    assert saved.status_code == 302
    assert languages(app, demo, "ava") == {"ava": "es"}
    james.post("/account/language", {"language": "en"}, token_from="/account")
    assert languages(app, demo, "ava") == {"ava": "en"}
    # Grace is Ava's relative without FERPA rights: her language is not Ava's.
    saved = grace.post("/account/language", {"language": "es"}, token_from="/account")
    assert saved.status_code == 302
    with app.app_context():
        assert db.session.get(Guardian, demo.guardians["grace"]).preferred_language == "es"
        db.session.remove()
    assert languages(app, demo, "ava") == {"ava": "en"}


def test_a_roster_import_that_ends_and_adds_links(app, demo):
    with app.app_context():
        grace = db.session.get(Guardian, demo.guardians["grace"])
        grace.preferred_language = "ko"
        db.session.commit()
        db.session.remove()
    with app.app_context():
        apply_roster(
            delta(
                links=[
                    # Maria's link ends: Luis, the second parent, decides for Sofia.
                    LinkRecord("guardian-maria", "student-sofia", "parent", True, active=False),
                    # James's link ends and Grace now holds Ava's rights.
                    LinkRecord("guardian-james", "student-ava", "parent", True, active=False),
                    LinkRecord("guardian-grace", "student-ava", "relative", True),
                    # A new link for Maria, to a child with no one of her own.
                    LinkRecord("guardian-maria", "student-liam", "relative", True),
                ]
            ),
            today=clock.today(),
        )
        db.session.commit()
        db.session.remove()
    assert languages(app, demo, "sofia", "ava", "liam", "mateo") == {
        "sofia": "en",
        "ava": "ko",
        "liam": "en",  # Robert's link is the first
        "mateo": "es",
    }
    with app.app_context():
        apply_roster(
            delta(links=[LinkRecord("guardian-robert", "student-liam", "parent", False)]),
            today=clock.today(),
        )
        db.session.commit()
        db.session.remove()
    assert languages(app, demo, "liam") == {"liam": "es"}  # now Maria's


def test_a_bulk_import_that_ends_every_link(app, demo):
    """A bulk set without links ends them all, except the eligible student's own."""
    roster = RosterSet(format="oneroster-1.1", modes={"links": Mode.BULK})
    with app.app_context():
        apply_roster(roster, today=clock.today())
        db.session.commit()
        db.session.remove()
    assert languages(app, demo, "sofia", "ava", "daniel") == {
        "sofia": None,
        "ava": None,
        "daniel": "es",
    }


def test_an_orm_bulk_statement_on_a_guardian_is_followed(ctx, demo):
    db.session.execute(
        update(Guardian)
        .where(Guardian.id == demo.guardians["maria"])
        .values(preferred_language="ar")
    )
    assert stored(demo.students["sofia"]) == "ar"
    db.session.execute(
        update(GuardianLink)
        .where(GuardianLink.guardian_id == demo.guardians["maria"])
        .values(active=False)
    )
    assert stored(demo.students["sofia"]) == "en"
    assert db.session.get(Student, demo.students["mateo"]).home_language == "en"
    assert home_language.differences() == []


def test_the_check_finds_a_value_set_by_hand_and_the_rebuild_mends_it(app, demo):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["reports", "check-home-languages"]).exit_code == 0
    sofia, noah = demo.students["sofia"], demo.students["noah"]
    with app.app_context():
        db.session.execute(  # past the ORM, as a hand-written script would
            text("UPDATE student SET home_language = 'fr' WHERE id = :id"), {"id": sofia}
        )
        db.session.execute(
            text("UPDATE student SET home_language = NULL WHERE id = :id"), {"id": noah}
        )
        db.session.commit()
        db.session.remove()
    checked = runner.invoke(args=["reports", "check-home-languages"])
    assert checked.exit_code == 1
    assert "2 students differ" in checked.output
    assert f"student {sofia}: stored 'fr', definition 'es'" in checked.output
    assert f"student {noah}: stored None, definition 'es'" in checked.output

    rebuilt = runner.invoke(args=["reports", "rebuild-home-languages"])
    assert rebuilt.exit_code == 0
    assert "2 students changed" in rebuilt.output
    assert runner.invoke(args=["reports", "check-home-languages"]).exit_code == 0
    assert languages(app, demo, "sofia", "noah") == {"sofia": "es", "noah": "es"}


def test_the_migrations_fill_gives_the_definitions_values(ctx):
    """The migration fills existing rows with the definition written out in SQL; run against
    the awkward cases (first link without rights, off the roster, under an order, eligible
    students with and without their own record, no guardian), it agrees with the definition."""
    spec = importlib.util.spec_from_file_location("fill", MIGRATION)
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    school = factories.school()
    cases = {
        "no_rights": factories.student(school=school),
        "off_roster": factories.student(school=school),
        "ordered": factories.student(school=school),
        "eligible_own": factories.student(school=school, eligible_on=clock.today()),
        "eligible_alone": factories.student(school=school, eligible_on=clock.today()),
        "nobody": factories.student(school=school),
    }
    relative = factories.guardian(preferred_language="vi")
    factories.link(
        relative, cases["no_rights"], relationship=Relationship.RELATIVE, has_rights=False
    )
    factories.guardian(children=[cases["no_rights"]], preferred_language="ko")
    gone = factories.guardian(preferred_language="ar")
    factories.link(gone, cases["off_roster"], active=False)
    factories.guardian(children=[cases["off_roster"]], preferred_language="zh")
    cut = factories.guardian(children=[cases["ordered"]], preferred_language="fr")
    factories.guardian(children=[cases["ordered"]], preferred_language="es")
    db.session.add(
        LinkRestriction(
            guardian_link_id=_link(cut, cases["ordered"]).id,
            student_id=cases["ordered"].id,
            reference="Order 9",
            ordered_on=clock.today() - timedelta(days=1),
            removes=RestrictionScope.ALL_RIGHTS,
            recorded_by_account_id=factories.privacy_office().id,
        )
    )
    factories.guardian(children=[cases["eligible_own"]], preferred_language="ko")
    own = factories.guardian(student_id=cases["eligible_own"].id, preferred_language="fr")
    factories.link(own, cases["eligible_own"])
    factories.guardian(children=[cases["eligible_alone"]], preferred_language="ko")
    db.session.flush()
    expected = {name: pupil.home_language for name, pupil in cases.items()}
    assert expected == {
        "no_rights": "ko",
        "off_roster": "zh",
        "ordered": "es",
        "eligible_own": "fr",
        "eligible_alone": None,
        "nobody": None,
    }

    db.session.execute(text("UPDATE student SET home_language = 'xx'"))
    db.session.execute(text(migration.FILL))
    db.session.expire_all()
    assert home_language.differences() == []
    assert {name: stored(pupil.id) for name, pupil in cases.items()} == expected
    db.session.rollback()

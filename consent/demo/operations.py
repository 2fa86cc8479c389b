"""Builds the demo district through the same operations the app uses, so what the demo shows
is what the workflow really does."""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import func, select

from consent.accounts.models import Account
from consent.accounts.passwords import hash_password
from consent.catalog.models import (
    AgreementStatus,
    LegalBasis,
    Tool,
    ToolDataCategory,
    ToolFeature,
    ToolOptOutOption,
    ToolUse,
    UseScope,
    VettingStatus,
)
from consent.consentforms import operations as consentforms
from consent.consentforms.models import Answer, AnswerMethod, FormKind, FormMode
from consent.core import clock
from consent.extensions import db
from consent.guidelines.demo import start_demo_guideline_use
from consent.notice.demo import write_demo_notice
from consent.optouts import operations as optouts
from consent.optouts.models import OptOut
from consent.records.demo import file_demo_records
from consent.rights.operations import born_on_or_before, pass_rights
from consent.roster.models import (
    Enrollment,
    Guardian,
    GuardianLink,
    Relationship,
    School,
    Section,
    Staff,
    StaffRole,
    Student,
)
from consent.schoolcalendar.models import Closure
from consent.texts.demo import translate_demo_form, translate_demo_tools
from consent.vetting.demo import file_demo_vetting_requests, schedule_demo_reviews

DEMO_PASSWORD = "consent-demo-2026"  # noqa: S105 - the demo district's published password
# The demo's privacy officer and principals have a second factor with this published key: add
# it to any authenticator app, or ask `flask accounts totp-code EMAIL` for the current code.
DEMO_TOTP_SECRET = "DEMOCONSENTDEMOCONSENTDEMOCONSEN"  # noqa: S105 - published, demo only

SCHOOLS = {
    "oakwood": "Oakwood Elementary School",
    "riverside": "Riverside Middle School",
    "hillcrest": "Hillcrest High School",
}

# key: (given, family, email, role, school)
STAFF = {
    "johnson": ("Emily", "Johnson", "emily.johnson@demo.consent.example", StaffRole.TEACHER, None),
    "kim": ("David", "Kim", "david.kim@demo.consent.example", StaffRole.TEACHER, None),
    "patel": ("Raj", "Patel", "raj.patel@demo.consent.example", StaffRole.TEACHER, None),
    "brooks": (
        "Angela",
        "Brooks",
        "angela.brooks@demo.consent.example",
        StaffRole.PRINCIPAL,
        "oakwood",
    ),
    "reed": (
        "Thomas",
        "Reed",
        "thomas.reed@demo.consent.example",
        StaffRole.PRINCIPAL,
        "riverside",
    ),
    "lee": ("Karen", "Lee", "privacy@demo.consent.example", StaffRole.PRIVACY_OFFICER, None),
}

# key: (title, school, teachers)
SECTIONS = {
    "room12": ("Grade 4 - Room 12", "oakwood", ["johnson"]),
    "science4": ("Grade 4 Science", "oakwood", ["johnson", "kim"]),
    "room15": ("Grade 5 - Room 15", "oakwood", ["kim"]),
    "math7": ("Math 7", "riverside", ["patel"]),
    "science7": ("Science 7", "riverside", ["patel"]),
    "english7": ("English 7", "riverside", ["patel"]),
}

# key: (given, family, grade, school, sections)
STUDENTS = {
    "sofia": ("Sofia", "Garcia", "4", "oakwood", ["room12", "science4"]),
    "ava": ("Ava", "Chen", "4", "oakwood", ["room12", "science4"]),
    "liam": ("Liam", "Smith", "4", "oakwood", ["room12", "science4"]),
    "noah": ("Noah", "Williams", "5", "oakwood", ["room15"]),
    "emma": ("Emma", "Brown", "5", "oakwood", ["room15"]),
    "henry": ("Henry", "Taylor", "5", "oakwood", ["room15"]),
    "mateo": ("Mateo", "Garcia", "7", "riverside", ["math7", "science7", "english7"]),
    "olivia": ("Olivia", "Jones", "7", "riverside", ["math7", "science7", "english7"]),
    "elijah": ("Elijah", "Davis", "7", "riverside", ["math7", "science7"]),
    "amelia": ("Amélie", "Miller", "7", "riverside", ["math7", "english7"]),
    "lucas": ("Lucas", "Wilson", "7", "riverside", ["science7", "english7"]),
    "mia": ("Mia", "Moore", "7", "riverside", ["math7", "science7", "english7"]),
    # A senior who turned 18 this school year: the rights are his (34 CFR 99.5).
    "daniel": ("Daniel", "Ortiz", "12", "hillcrest", []),
}

#: Daniel's 18th birthday, this many days before the demo's today: the morning job has made him
#: an eligible student, with his own account; his mother now only receives news of it.
DANIEL_EIGHTEEN_DAYS_AGO = 12
DANIEL_EMAIL = "daniel.ortiz@student.demo.consent.example"

# key: (given, family, email, language, [(student, relationship, has_rights)], has_account)
GUARDIANS = {
    "maria": (
        "Maria",
        "Garcia",
        "maria.garcia@demo.consent.example",
        "es",
        [("sofia", Relationship.PARENT, True), ("mateo", Relationship.PARENT, True)],
        True,
    ),
    "luis": (
        "Luis",
        "Garcia",
        "luis.garcia@demo.consent.example",
        "en",
        [("sofia", Relationship.PARENT, True), ("mateo", Relationship.PARENT, True)],
        True,
    ),
    "james": (
        "James",
        "Chen",
        "james.chen@demo.consent.example",
        "en",
        [("ava", Relationship.PARENT, True)],
        True,
    ),
    "grace": (
        "Grace",
        "Chen",
        "grace.chen@demo.consent.example",
        "en",
        [("ava", Relationship.RELATIVE, False)],
        True,
    ),
    "patricia": (
        "Patricia",
        "Jones",
        "patricia.jones@demo.consent.example",
        "en",
        [("olivia", Relationship.GUARDIAN, True)],
        True,
    ),
    "robert": (
        "Robert",
        "Smith",
        "robert.smith@demo.consent.example",
        "en",
        [("liam", Relationship.PARENT, True)],
        False,
    ),
    "linda": ("Linda", "Williams", None, "es", [("noah", Relationship.PARENT, True)], False),
    "susan": (
        "Susan",
        "Brown",
        "susan.brown@demo.consent.example",
        "en",
        [("emma", Relationship.PARENT, True)],
        False,
    ),
    "karen_t": (
        "Karen",
        "Taylor",
        "karen.taylor@demo.consent.example",
        "en",
        [("henry", Relationship.PARENT, True)],
        False,
    ),
    "michael": (
        "Michael",
        "Davis",
        "michael.davis@demo.consent.example",
        "en",
        [("elijah", Relationship.PARENT, True)],
        False,
    ),
    "nora": (
        "Nora",
        "Miller",
        "nora.miller@demo.consent.example",
        "en",
        [("amelia", Relationship.GUARDIAN, True)],
        False,
    ),
    "kevin": (
        "Kevin",
        "Wilson",
        "kevin.wilson@demo.consent.example",
        "en",
        [("lucas", Relationship.PARENT, True)],
        False,
    ),
    "sarah": (
        "Sarah",
        "Moore",
        "sarah.moore@demo.consent.example",
        "en",
        [("mia", Relationship.PARENT, True)],
        False,
    ),
    "rosa": (
        "Rosa",
        "Ortiz",
        "rosa.ortiz@demo.consent.example",
        "es",
        [("daniel", Relationship.PARENT, True)],
        False,
    ),
}

TOOLS = [
    {
        "key": "classroom",
        "name": "Google Classroom",
        "vendor": "Google LLC",
        "purpose": "Teachers post assignments and students turn in their work online.",
        "website": "https://edu.google.com/workspace-for-education/classroom/",
        "privacy_policy_url": "https://workspace.google.com/terms/education_privacy.html",
        "grade_band": "K-12",
        "legal_basis": LegalBasis.SCHOOL_OFFICIAL,
        "agreement": (AgreementStatus.SIGNED, 400, 700),
        "categories": [
            ("Student Name", "first and last name"),
            ("Student Identifiers", "school account and student number"),
            ("Student Contact Information", "school email address"),
            ("Student Work", "assignments, documents and comments"),
            ("Communications", "comments between student and teacher"),
            ("Application Use Statistics", "when work was opened and turned in"),
        ],
        "features": [],
        "options": ["Paper copies of assignments", "Alternative activity"],
        "uses": [("district", None)],
    },
    {
        "key": "zoom",
        "name": "Zoom",
        "vendor": "Zoom Communications, Inc.",
        "purpose": "Live video lessons when a class meets online or has a guest speaker.",
        "website": "https://zoom.us/education",
        "privacy_policy_url": "https://www.zoom.com/en/trust/privacy/privacy-statement/",
        "grade_band": "K-12",
        "legal_basis": LegalBasis.SCHOOL_OFFICIAL,
        "agreement": (AgreementStatus.SIGNED, 300, 60),
        "categories": [
            ("Student Name", "display name in the meeting"),
            ("Other", "video and audio of live lessons"),
            ("Communications", "chat messages in the meeting"),
            ("Application Technology Meta Data", "IP address, device and browser type"),
        ],
        "features": [("video", "Camera (video)"), ("recording", "Recording"), ("chat", "Chat")],
        "options": [
            "Camera off",
            "No recording while my child is present",
            "Join by audio only",
            "Alternative activity",
        ],
        # The part of Zoom each choice answers; the alternative activity answers any part.
        "option_parts": {
            "Camera off": "video",
            "No recording while my child is present": "recording",
            "Join by audio only": "video",
        },
        "uses": [("section", "room12"), ("section", "math7")],
    },
    {
        "key": "seesaw",
        "name": "Seesaw",
        "vendor": "Seesaw Learning, Inc.",
        "purpose": "A class journal where students show work with photos, drawings and voice.",
        "website": "https://web.seesaw.me/",
        "privacy_policy_url": "https://web.seesaw.me/privacy-policy",
        "grade_band": "K-5",
        "legal_basis": LegalBasis.COPPA_SCHOOL_CONSENT,
        "agreement": (AgreementStatus.SIGNED, 200, 500),
        "categories": [
            ("Student Name", "first name and last initial"),
            ("Student Work", "photos, drawings, videos and voice recordings of class work"),
            ("Communications", "messages between families and teachers"),
            ("Parent/Guardian Contact Information", "email address for family access"),
        ],
        "features": [("photos", "Photos and videos of my child")],
        "options": ["Post work without photos or videos of my child", "Alternative activity"],
        "option_parts": {"Post work without photos or videos of my child": "photos"},
        "uses": [("school", "oakwood")],
    },
    {
        "key": "khan",
        "name": "Khan Academy",
        "vendor": "Khan Academy, Inc.",
        "purpose": "Math practice and videos that adapt to each student.",
        "website": "https://www.khanacademy.org/",
        "privacy_policy_url": "https://www.khanacademy.org/about/privacy-policy",
        "grade_band": "3-12",
        "legal_basis": LegalBasis.SCHOOL_OFFICIAL,
        "agreement": (AgreementStatus.NEGOTIATING, None, None),
        "categories": [
            ("Student Name", "first and last name"),
            ("Assessment", "practice scores and mastery levels"),
            ("Application Use Statistics", "time spent and videos watched"),
        ],
        "features": [],
        "options": ["Paper practice instead", "Alternative activity"],
        "uses": [("school", "riverside")],
    },
    {
        "key": "nearpod",
        "name": "Nearpod",
        "vendor": "Nearpod Inc. (Renaissance)",
        "purpose": "Interactive slide lessons with quizzes, polls and drawing activities.",
        "website": "https://nearpod.com/",
        "privacy_policy_url": "https://nearpod.com/privacy-policy",
        "grade_band": "K-12",
        "legal_basis": LegalBasis.SCHOOL_OFFICIAL,
        "agreement": (AgreementStatus.SIGNED, 150, 210),
        "categories": [
            ("Student Name", "name typed to join a lesson"),
            ("Assessment", "quiz and poll answers"),
            ("Student Work", "drawings and written answers"),
        ],
        "features": [],
        "options": ["Answer on paper", "Alternative activity"],
        "uses": [("section", "science4"), ("section", "science7")],
    },
    {
        "key": "flip",
        "name": "Flip",
        "vendor": "Microsoft Corporation",
        "purpose": "Students record short videos to answer a question or present a project.",
        "website": "https://info.flip.com/",
        "privacy_policy_url": "https://privacy.microsoft.com/privacystatement",
        "grade_band": "6-12",
        "legal_basis": LegalBasis.PARENT_CONSENT,
        "agreement": (AgreementStatus.NONE, None, None),
        "categories": [
            ("Student Name", "display name"),
            ("Student Work", "videos the student records, with their face and voice"),
            ("Communications", "comments on classmates' videos"),
        ],
        "features": [("video", "Video of my child")],
        "options": ["Audio-only response", "Written response instead", "Alternative activity"],
        "option_parts": {"Audio-only response": "video"},
        "uses": [("section", "english7")],
    },
]


@dataclass
class DemoDistrict:
    schools: dict[str, School] = field(default_factory=dict)
    staff: dict[str, Staff] = field(default_factory=dict)
    sections: dict[str, Section] = field(default_factory=dict)
    students: dict[str, Student] = field(default_factory=dict)
    guardians: dict[str, Guardian] = field(default_factory=dict)
    accounts: dict[str, Account] = field(default_factory=dict)
    tools: dict[str, Tool] = field(default_factory=dict)
    optouts: dict[str, OptOut] = field(default_factory=dict)


def _school_days_ago(today: date, count: int) -> date:
    day = today
    while count > 0:
        day -= timedelta(days=1)
        if day.weekday() < 5:
            count -= 1
    return day


def _school_days_after(day: date, count: int, today: date) -> date:
    """`count` school days (weekdays) after `day`, but never after `today`."""
    while count > 0 and day < today:
        day += timedelta(days=1)
        if day.weekday() < 5:
            count -= 1
    return min(day, today)


def _at(day: date) -> datetime:
    """A believable moment on `day` that is never in the future, whatever the hour now."""
    return clock.moment_on(day, hour=10)


def load_demo(today: date | None = None) -> DemoDistrict:
    """Create the demo district in an empty database; refuses to run over existing data."""
    if db.session.scalar(select(func.count()).select_from(School)):
        raise RuntimeError("The database already holds a district; the demo needs an empty one.")
    today = today or clock.today()
    d = DemoDistrict()
    password_hash = hash_password(DEMO_PASSWORD)
    year_start = today - timedelta(days=80)

    for key, name in SCHOOLS.items():
        d.schools[key] = School(sourced_id=f"school-{key}", name=name)
    db.session.add_all(d.schools.values())

    for key, (given, family, email, role, school) in STAFF.items():
        d.staff[key] = Staff(
            sourced_id=f"staff-{key}",
            given_name=given,
            family_name=family,
            email=email,
            role=role,
            school=d.schools[school] if school else None,
        )
        d.accounts[key] = Account(email=email, password_hash=password_hash, staff=d.staff[key])
        if role in (StaffRole.PRINCIPAL, StaffRole.PRIVACY_OFFICER):
            d.accounts[key].totp_secret = DEMO_TOTP_SECRET
            d.accounts[key].totp_enabled_at = clock.now()
    for key, (title, school, teachers) in SECTIONS.items():
        d.sections[key] = Section(
            sourced_id=f"section-{key}",
            title=title,
            school=d.schools[school],
            term="2026-2027",
            teachers=[d.staff[t] for t in teachers],
        )
    for number, (key, (given, family, grade, school, sections)) in enumerate(
        STUDENTS.items(), start=1
    ):
        student = Student(
            sourced_id=f"student-{key}",
            district_identifier=f"S{100000 + number}",
            given_name=given,
            family_name=family,
            grade=grade,
            school=d.schools[school],
            birth_date=_birth_date(today, key, grade, number),
            email=DANIEL_EMAIL if key == "daniel" else None,
        )
        d.students[key] = student
        for section in sections:
            db.session.add(
                Enrollment(student=student, section=d.sections[section], begin_date=year_start)
            )
    for key, (given, family, email, language, links, has_account) in GUARDIANS.items():
        guardian = Guardian(
            sourced_id=f"guardian-{key}",
            given_name=given,
            family_name=family,
            email=email,
            preferred_language=language,
        )
        d.guardians[key] = guardian
        for student, relationship, has_rights in links:
            db.session.add(
                GuardianLink(
                    guardian=guardian,
                    student=d.students[student],
                    relationship_type=relationship,
                    has_rights=has_rights,
                )
            )
        if has_account:
            d.accounts[key] = Account(email=email, password_hash=password_hash, guardian=guardian)
    db.session.add_all([*d.staff.values(), *d.accounts.values()])

    for spec in TOOLS:
        status, signed_days_ago, expires_in_days = spec["agreement"]
        tool = Tool(
            name=spec["name"],
            vendor=spec["vendor"],
            purpose=spec["purpose"],
            website=spec["website"],
            privacy_policy_url=spec["privacy_policy_url"],
            grade_band=spec["grade_band"],
            legal_basis=spec["legal_basis"],
            vetting_status=VettingStatus.APPROVED,
            agreement_status=status,
            agreement_signed_on=today - timedelta(days=signed_days_ago)
            if signed_days_ago
            else None,
            agreement_expires_on=today + timedelta(days=expires_in_days)
            if expires_in_days
            else None,
            last_reviewed_on=year_start - timedelta(days=30),
            data_categories=[ToolDataCategory(category=c, note=n) for c, n in spec["categories"]],
            features=[ToolFeature(key=k, label=label) for k, label in spec["features"]],
            optout_options=[
                ToolOptOutOption(label=label, feature_key=spec.get("option_parts", {}).get(label))
                for label in spec["options"]
            ],
        )
        d.tools[spec["key"]] = tool
        for scope, target in spec["uses"]:
            db.session.add(
                ToolUse(
                    tool=tool,
                    scope=UseScope(scope),
                    school=d.schools[target] if scope == "school" else None,
                    section=d.sections[target] if scope == "section" else None,
                    starts_on=year_start,
                )
            )
    db.session.add_all(d.tools.values())
    for day, reason in _closures(today):
        db.session.add(Closure(day=day, reason=reason))
    db.session.flush()
    # Spanish before the requests and forms, so the emails they send Maria are in Spanish.
    translate_demo_tools(actor_account_id=d.accounts["lee"].id)
    _file_demo_requests(d, today)
    _publish_demo_form(d, today)
    file_demo_vetting_requests(d.accounts, _at(today))
    schedule_demo_reviews(d.tools, today)
    start_demo_guideline_use(d.accounts, d.sections, _at(today))
    file_demo_records(d.accounts, d.students, today)
    write_demo_notice(d.accounts, today)
    _daniel_turned_eighteen(d, today, password_hash)
    return d


def _birth_date(today: date, key: str, grade: str, number: int) -> date:
    """Ages that fit the grades; Daniel's 18th birthday fell this school year."""
    if key == "daniel":
        return born_on_or_before(today - timedelta(days=DANIEL_EIGHTEEN_DAYS_AGO))
    return born_on_or_before(today) + timedelta(days=365 * (13 - int(grade)) - 29 * number)


def _daniel_turned_eighteen(d: DemoDistrict, today: date, password_hash: str) -> None:
    """The morning job ran on Daniel's birthday; he then accepted his invitation."""
    birthday = today - timedelta(days=DANIEL_EIGHTEEN_DAYS_AGO)
    with clock.at(_at(birthday)):
        pass_rights(today=birthday)
    own = db.session.scalar(select(Guardian).where(Guardian.student_id == d.students["daniel"].id))
    d.guardians["daniel"] = own
    d.accounts["daniel"] = Account(email=own.email, password_hash=password_hash, guardian=own)
    db.session.add(d.accounts["daniel"])
    db.session.flush()


def _closures(today: date) -> list[tuple[date, str]]:
    year = today.year if today.month >= 8 else today.year - 1
    thanksgiving = date(year, 11, 1)
    thanksgiving += timedelta(days=(3 - thanksgiving.weekday()) % 7 + 21)
    return [
        (date(year, 9, 7) if date(year, 9, 7).weekday() == 0 else date(year, 9, 1), "Labor Day"),
        (thanksgiving, "Thanksgiving"),
        (thanksgiving + timedelta(days=1), "Thanksgiving break"),
        *[
            (date(year, 12, 21) + timedelta(days=n), "Winter break")
            for n in range(12)
            if (date(year, 12, 21) + timedelta(days=n)).weekday() < 5
        ],
    ]


def _file_demo_requests(d: DemoDistrict, today: date) -> None:
    """One request in every status, some overdue, one joined by a second guardian."""
    acc, tools, students = d.accounts, d.tools, d.students

    def file(key, guardian, student, tool, feature, accommodation, reason, days_ago):
        filed_at = _at(_school_days_ago(today, days_ago))
        with clock.at(filed_at):  # its timeline and messages carry the day it was filed
            d.optouts[key] = optouts.file_optout(
                actor=acc[guardian],
                student=students[student],
                tool=tools[tool],
                feature=feature,
                accommodation=accommodation,
                reason=reason,
                now=filed_at,
            ).optout
        return d.optouts[key]

    def task_of(optout, teacher):
        return next(t for t in optout.tasks if t.teacher_id == d.staff[teacher].id)

    def after(optout, school_days: int, hour: int):
        """The clock at `hour` on the school day `school_days` after the filing (never after
        today, nor after now): each later step and its messages carry the day it was taken."""
        day = _school_days_after(clock.today(optout.filed_at), school_days, today)
        return clock.at(clock.moment_on(day, hour=hour))

    # submitted, filed today: Mateo, Zoom recording, Math 7 (Mr. Patel).
    file(
        "submitted",
        "maria",
        "mateo",
        "zoom",
        "recording",
        "No recording while my child is present",
        "We do not want recordings of our son kept.",
        0,
    )
    # joined by the second parent, later the same day.
    with after(d.optouts["submitted"], 0, 12):
        optouts.file_optout(
            actor=acc["luis"],
            student=students["mateo"],
            tool=tools["zoom"],
            feature="recording",
            accommodation="No recording while my child is present",
        )
    # in progress and overdue: Mateo, Khan Academy, school-wide at Riverside.
    o = file("in_progress", "maria", "mateo", "khan", "", "Paper practice instead", "", 6)
    with after(o, 1, 9):
        optouts.acknowledge_task(actor=acc["patel"], task=task_of(o, "patel"))
    # planned, waiting for the principal: Ava, Seesaw photos (Ms. Johnson and Mr. Kim).
    o = file(
        "planned",
        "james",
        "ava",
        "seesaw",
        "photos",
        "Post work without photos or videos of my child",
        "",
        2,
    )
    with after(o, 1, 11):
        optouts.record_plan(
            actor=acc["johnson"],
            task=task_of(o, "johnson"),
            option="Post work without photos or videos of my child",
            note="Ava will photograph her work without her face in the picture.",
        )
    with after(o, 1, 14):
        optouts.record_plan(
            actor=acc["kim"],
            task=task_of(o, "kim"),
            option="Post work without photos or videos of my child",
            note="Science journal entries will be drawings only.",
        )
    # confirmed: Sofia, Zoom camera, Room 12.
    o = file("confirmed", "maria", "sofia", "zoom", "video", "Camera off", "", 8)
    with after(o, 2, 13):
        optouts.record_plan(
            actor=acc["johnson"],
            task=task_of(o, "johnson"),
            option="Camera off",
            note="Sofia keeps her camera off and answers in the chat or by voice.",
        )
    with after(o, 3, 9):
        optouts.confirm(actor=acc["brooks"], optout=o)
    # returned to the teacher: Olivia, Flip video, English 7.
    o = file(
        "returned",
        "patricia",
        "olivia",
        "flip",
        "video",
        "Written response instead",
        "She is not comfortable on camera.",
        3,
    )
    with after(o, 1, 15):
        optouts.record_plan(
            actor=acc["patel"], task=task_of(o, "patel"), option="Audio-only response"
        )
    with after(o, 2, 8):
        optouts.return_plan(
            actor=acc["reed"],
            optout=o,
            note="The family asked for a written response; please plan for that.",
        )
    # withdrawn: Sofia, Google Classroom.
    o = file("withdrawn", "luis", "sofia", "classroom", "", "Paper copies of assignments", "", 5)
    with after(o, 1, 19):
        optouts.withdraw(actor=acc["luis"], optout=o)
    # closed: Ava, Nearpod, Grade 4 Science.
    o = file("closed", "james", "ava", "nearpod", "", "Answer on paper", "", 10)
    with after(o, 2, 11):
        optouts.close(
            actor=acc["brooks"],
            optout=o,
            reason="Grade 4 Science stopped using Nearpod this term.",
        )


def _publish_demo_form(d: DemoDistrict, today: date) -> None:
    """One published yearly form, open now, so every guardian has a form waiting."""
    year = today.year if today.month >= 8 else today.year - 1
    form = consentforms.create_form(
        actor=d.accounts["lee"],
        school_year=f"{year}-{year + 1}",
        kind=FormKind.MEDIA_RELEASE,
        mode=FormMode.OPT_IN,
        title="Photos and videos in school publications",
        text=(
            "The district shares news about classes and events in newsletters, on school "
            "websites and on social media. With your permission, photos and videos of your "
            "child may appear there, with their first name only. Without your permission, "
            "your child will not appear. You can change your answer until the form closes."
        ),
        opens_on=today - timedelta(days=7),
        closes_on=today + timedelta(days=30),
    )
    translate_demo_form(form, actor_account_id=d.accounts["lee"].id)
    consentforms.publish_form(actor=d.accounts["lee"], form=form, now=_at(today))
    # Riverside's directory information: opt-out, and Olivia's guardian said no, so the
    # refusal shows on her class lists and on the school's do-not-release list.
    directory = consentforms.create_form(
        actor=d.accounts["lee"],
        school_year=f"{year}-{year + 1}",
        kind=FormKind.DIRECTORY_INFORMATION,
        mode=FormMode.OPT_OUT,
        title="Directory information at Riverside",
        text=(
            "The school may share your child's name, grade and activities in programs, honor "
            "rolls and team rosters. If you do not want it shared, answer no."
        ),
        opens_on=today - timedelta(days=7),
        closes_on=today + timedelta(days=30),
        school_ids=[d.schools["riverside"].id],
    )
    consentforms.publish_form(actor=d.accounts["lee"], form=directory, now=_at(today))
    answered = clock.moment_on(today, hour=11)
    with clock.at(answered):  # her receipt carries the moment she answered
        consentforms.answer_form(
            actor=d.accounts["patricia"],
            form=directory,
            student=d.students["olivia"],
            answer=Answer.REFUSED,
            now=answered,
        )
    _ask_consent_for_flip(d, today, f"{year}-{year + 1}")


def _ask_consent_for_flip(d: DemoDistrict, today: date, school_year: str) -> None:
    """Flip needs each parent's consent (English 7 uses it): its consent form at Riverside has
    an answer in every state. Mateo's mother said yes on the web; Lucas's father said no on
    paper, entered by the principal, which opened the routed opt-out; the rest have not
    answered, so their class list says to use the alternative activity."""
    form = consentforms.create_form(
        actor=d.accounts["lee"],
        school_year=school_year,
        kind=FormKind.TOOL_CONSENT,
        mode=FormMode.OPT_IN,
        title="Consent for Flip in English 7",
        text=(
            "In English 7, students record short videos in Flip to answer questions and present "
            "projects; classmates see and comment on them. Flip keeps the videos, with your "
            "child's face and voice. May your child use Flip? If you say no, your child does "
            "the same work another way."
        ),
        opens_on=today - timedelta(days=10),
        closes_on=today + timedelta(days=20),
        school_ids=[d.schools["riverside"].id],
        tool_id=d.tools["flip"].id,
    )
    translate_demo_form(form, actor_account_id=d.accounts["lee"].id)
    consentforms.publish_form(actor=d.accounts["lee"], form=form, now=_at(today))
    answered = clock.moment_on(today, hour=12)
    with clock.at(answered):  # each receipt carries the moment of its answer
        consentforms.answer_form(
            actor=d.accounts["maria"],
            form=form,
            student=d.students["mateo"],
            answer=Answer.GRANTED,
            now=answered,
        )
    entered = clock.moment_on(today, hour=14)
    with clock.at(entered):
        consentforms.answer_form(
            actor=d.accounts["reed"],
            form=form,
            student=d.students["lucas"],
            answer=Answer.REFUSED,
            method=AnswerMethod.PAPER,
            on_behalf_of=d.guardians["kevin"],
            note="The signed slip came back in Lucas's folder.",
            now=entered,
        )

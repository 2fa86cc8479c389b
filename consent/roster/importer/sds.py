"""Microsoft School Data Sync v2.1 CSV sets, read into a RosterSet. See `readers` for the mapping.

SDS has no manifest, no status column and no delta: every set is the whole truth (bulk). Column
order is free and enumerations are case-insensitive; unknown columns are skipped (the optional
columns vary), but one that differs from a known column only in case is a problem."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from consent.roster.importer.csvfiles import (
    FileSpec,
    Problems,
    Source,
    Table,
    Values,
    choice,
    open_table,
    split_list,
    too_long,
)
from consent.roster.importer.dates import NO_DEMOGRAPHICS, bad_birth_date, read_birth_date
from consent.roster.importer.oneroster import (
    EMAIL_MAX,
    GRADE_MAX,
    GUARDIAN_ROLES,
    HAS_RIGHTS,
    ID_MAX,
    NAME_MAX,
    PHONE_MAX,
    TERM_MAX,
    EnrollmentPairs,
    class_dates,
    kind_of_row,
    student_address,
)
from consent.roster.importer.records import (
    EnrollmentRecord,
    GuardianRecord,
    LinkRecord,
    Mode,
    Problem,
    RosterSet,
    SchoolRecord,
    SectionRecord,
    StaffRecord,
    StudentRecord,
)


def _spec(name: str, columns: str, required: str, unused: str = "") -> FileSpec:
    """As OneRoster's: `unused` columns must be in the header, but a blank cell is only a note."""
    need, blank_ok = frozenset(required.split()), frozenset(unused.split())
    return FileSpec(
        name, tuple(columns.split()), header=need | blank_ok, values=need, ordered=False,
        unused=blank_ok,
    )  # fmt: skip


SPECS = {
    s.name: s
    for s in (
        _spec("orgs.csv", "sourcedId name type parentSourcedId", "sourcedId name type"),
        _spec(
            "users.csv",
            "sourcedId username givenName familyName password activeDirectoryMatchId email "
            "phone sms",
            "sourcedId givenName familyName",
            "username",  # a staff member's sign-in address when they have no email
        ),
        _spec(
            "roles.csv",
            "userSourcedId orgSourcedId role sessionSourcedId grade isPrimary roleStartDate "
            "roleEndDate",
            "userSourcedId orgSourcedId role",
        ),
        _spec(
            "relationships.csv",
            "userSourcedId relationshipUserSourcedId relationshipRole",
            "userSourcedId relationshipUserSourcedId relationshipRole",
        ),
        _spec(
            "classes.csv",
            "sourcedId orgSourcedId title sessionSourcedIds courseSourcedId",
            "sourcedId orgSourcedId title",
        ),
        _spec(
            "enrollments.csv",
            "classSourcedId userSourcedId role",
            "classSourcedId userSourcedId role",
        ),
        # Only birthDate is read (rights pass to the student at 18); the rest is not kept.
        _spec("demographics.csv", "userSourcedId birthDate", "userSourcedId"),
        _spec(
            "academicSessions.csv",
            "sourcedId title type schoolYear startDate endDate",
            "sourcedId title",
        ),
    )
}
REQUIRED_FILES = ("orgs.csv", "users.csv", "roles.csv")
# In an SDS set but not read: courses hold nothing we keep; userFlags (IEP, 504, free lunch) is
# sensitive and not ours to store. Of demographics.csv only birthDate is read.
SKIPPED_FILES = frozenset({"courses.csv", "userFlags.csv"})

# Microsoft's "default list of values" for SDS v2.1.
ORG_TYPES = frozenset(
    {
        "school", "ministryOfEducation", "localAuthority", "department", "university", "region",
        "district", "college", "division", "local", "campus", "province", "state",
        "adultEducation", "researchCenter", "national", "municipality", "program",
        "departmentOfEducation", "academicTrust",
    }
)  # fmt: skip
# Higher-education orgs: students and classes only there are outside a K-12 district's roster.
HIGHER_ED = frozenset(
    {"college", "university", "department", "campus", "adultEducation", "researchCenter",
     "program"}
)  # fmt: skip
ROLES = frozenset(
    {
        "principal", "chair", "professor", "researcher", "adjunct", "affiliate",
        "occupationalTherapist", "physicalTherapist", "speechTherapist", "visionTherapist",
        "paraprofessional", "specialServices", "advisor", "proctor", "nurse", "officeStaff",
        "lecturer", "itAdmin", "administrator", "teacher", "faculty", "staff",
        "teacherAssistant", "aide", "assistant", "instructor", "substitute", "coach", "alumni",
        "student", "other",
    }
)  # fmt: skip
RELATIONSHIP_ROLES = frozenset(
    {"parent", "guardian", "relative", "aide", "doctor", "child", "administrator", "other"}
)
BOOLEANS = frozenset({"true", "false"})

STUDENT, STAFF, GUARDIAN, OTHER, OUTSIDE, UNREAD = (
    "student", "staff", "guardian", "other", "outside", "",
)  # fmt: skip


@dataclass(slots=True)
class _Role:
    role: str
    org: str
    primary: bool
    grade: str


class SdsReader:
    def __init__(
        self,
        source: Source,
        problems: Problems,
        progress: Callable[[str, int], None] | None = None,
    ) -> None:
        self.source = source
        self.problems = problems
        self.progress = progress
        self.names = source.names()
        self.values = Values()
        self.full: set[str] = set()
        self.org_types: dict[str, str] = {}
        self.sessions: dict[str, tuple[str, date | None, date | None]] = {}
        self.roles: dict[str, list[_Role]] = {}
        self.role_lines: dict[str, int] = {}
        self.troubled: set[str] = set()  # users with a roles.csv row that had a problem
        self.relations: list[tuple[int, str, str, str]] = []  # line, student, guardian, role
        self.guardian_roles: dict[str, str] = {}  # guardian -> strongest relationship
        self.users: dict[str, str] = {}
        self.classes: dict[str, bool] = {}  # class -> inside the district (a school's class)
        self.class_dates: dict[str, tuple[date | None, date | None]] = {}
        self.teachers: dict[str, list[str]] = {}
        self.pairs = EnrollmentPairs()

    def read(self) -> RosterSet:
        self.roster = roster = RosterSet(format="sds-2.1")
        self._check_files()
        has = self.names.__contains__
        guardians = Mode.BULK if has("relationships.csv") else Mode.ABSENT
        sections = Mode.BULK if has("classes.csv") else Mode.ABSENT
        roster.modes = {
            "schools": Mode.BULK,
            "students": Mode.BULK,
            "guardians": guardians,
            "staff": Mode.BULK,
            "sections": sections,
            "enrollments": sections,
            "links": guardians,
        }
        if any(not has(n) for n in REQUIRED_FILES):
            return roster
        self._read("orgs.csv", self._orgs)
        self._read("academicSessions.csv", self._sessions)
        self._read("roles.csv", self._roles)
        self._read("relationships.csv", self._relationships)
        self._read("users.csv", self._users)
        self._unmatched_roles()
        self._links()
        self._birth_dates()
        self._read("classes.csv", self._classes)
        self._read("enrollments.csv", self._enrollments)
        for cls, teachers in self.teachers.items():
            roster.sections[cls].teacher_sourced_ids = tuple(dict.fromkeys(teachers))
        self.pairs.report(roster, self.problems, "enrollments.csv")
        return roster

    def _check_files(self) -> None:
        add = self.problems.add
        known = set(SPECS) | SKIPPED_FILES
        for name in sorted(self.names - known):
            hint = next(
                (f' File names are case-sensitive: did you mean "{k}"?' for k in known
                 if k.lower() == name.lower()),
                "",
            )  # fmt: skip
            add(name, 0, "", f"this is not a School Data Sync v2.1 file.{hint}")
        for name in REQUIRED_FILES:
            if name not in self.names:
                add(
                    name,
                    0,
                    "",
                    "this file is missing; a School Data Sync set needs orgs.csv, "
                    "users.csv and roles.csv.",
                )
        if ("classes.csv" in self.names) != ("enrollments.csv" in self.names):
            missing = "enrollments.csv" if "classes.csv" in self.names else "classes.csv"
            add(
                missing,
                0,
                "",
                "this file is missing; classes.csv and enrollments.csv come "
                "together (enrollments say who teaches and who attends each class).",
            )

    def _read(self, name: str, rows: Callable[[Table], None]) -> None:
        if name not in self.names:
            return
        with open_table(self.source, SPECS[name], self.problems, self.progress) as table:
            if table is None:
                return
            rows(table)
            self.roster.notes.extend(table.unused_notes())
            if table.complete:
                self.full.add(name)

    def _unique(self, table: Table, line: int, sid: str, seen) -> bool:
        if sid in seen:
            table.problem(
                line, "sourcedId", f'sourcedId "{sid}" appears more than once in this file.'
            )
            return False
        return not too_long(table, line, "sourcedId", sid, ID_MAX)

    def _org(self, table: Table, line: int, column: str, org: str) -> str | None:
        """The org's type ("" when unreadable), or None (reported) when it is unknown."""
        kind = self.org_types.get(org)
        if kind is None and "orgs.csv" in self.full:
            table.problem(line, column, f'org "{org}" is not in orgs.csv.')
        return kind

    def _orgs(self, table: Table) -> None:
        ix = table.index
        parents: list[tuple[int, str]] = []
        for line, values, ok in table.rows():
            sid = values[ix["sourcedId"]]
            if not sid or not self._unique(table, line, sid, self.org_types):
                continue
            self.org_types[sid] = ""
            if not ok:
                continue
            before = table.count
            kind = choice(
                table, line, "type", values[ix["type"]], ORG_TYPES, what="org type",
                case_sensitive=False,
            )  # fmt: skip
            name = values[ix["name"]]
            too_long(table, line, "name", name, NAME_MAX)
            if "parentSourcedId" in ix and values[ix["parentSourcedId"]]:
                parents.append((line, values[ix["parentSourcedId"]]))
            if kind:
                self.org_types[sid] = kind
            if kind == "school" and table.count == before:
                self.roster.schools[sid] = SchoolRecord(sid, name)
        if table.complete:
            for line, parent in parents:
                if parent not in self.org_types:
                    table.problem(line, "parentSourcedId", f'org "{parent}" is not in orgs.csv.')

    def _sessions(self, table: Table) -> None:
        ix = table.index
        for line, values, ok in table.rows():
            sid = values[ix["sourcedId"]]
            if not sid or not self._unique(table, line, sid, self.sessions):
                continue
            title = values[ix["title"]]
            self.sessions[sid] = (title, None, None)
            if not ok:
                continue
            dates = [
                self.values.date(table, line, column, values[ix[column]])
                for column in ("startDate", "endDate")
                if column in ix
            ]
            if len(dates) == 2 and dates[0][0] and dates[1][0]:
                self.sessions[sid] = (title, dates[0][1], dates[1][1])

    def _roles(self, table: Table) -> None:
        ix = table.index
        at_user, at_org, at_role = ix["userSourcedId"], ix["orgSourcedId"], ix["role"]
        at_primary, at_grade, at_session = (
            ix.get("isPrimary"), ix.get("grade"), ix.get("sessionSourcedId"),
        )  # fmt: skip
        seen: set[tuple[str, str, str, str]] = set()
        for line, values, ok in table.rows():
            user = values[at_user]
            if user:
                self.role_lines.setdefault(user, line)
                self.roles.setdefault(user, [])
            if not ok:
                self.troubled.add(user)
                continue
            before = table.count
            org = values[at_org]
            session = values[at_session] if at_session is not None else ""
            role = choice(
                table, line, "role", values[at_role], ROLES, what="role", case_sensitive=False
            )
            key = (user, org, role or "", session)
            if key in seen:
                table.problem(line, "", "this role appears twice (same user, org and session).")
                continue
            seen.add(key)
            self._org(table, line, "orgSourcedId", org)
            primary = values[at_primary] if at_primary is not None else ""
            if primary:
                primary = choice(
                    table, line, "isPrimary", primary, BOOLEANS, what="isPrimary value (true "
                    "or false)", case_sensitive=False,
                ) or ""  # fmt: skip
            for column in ("roleStartDate", "roleEndDate"):
                if column in ix:
                    self.values.date(table, line, column, values[ix[column]])
            grade = values[at_grade] if at_grade is not None else ""
            if table.count > before or not role:
                self.troubled.add(user)  # the user's kind is unknown: no problems that follow
                continue
            self.roles[user].append(_Role(role, org, primary == "true", grade))

    def _relationships(self, table: Table) -> None:
        """Who is whose parent, guardian or relative; read before users.csv, which does not say."""
        ix = table.index
        at_student, at_guardian, at_role = (
            ix["userSourcedId"], ix["relationshipUserSourcedId"], ix["relationshipRole"],
        )  # fmt: skip
        seen: set[tuple[str, str]] = set()
        for line, values, ok in table.rows():
            if not ok:
                continue
            student, guardian = values[at_student], values[at_guardian]
            role = choice(
                table, line, "relationshipRole", values[at_role], RELATIONSHIP_ROLES,
                what="relationship role", case_sensitive=False,
            )  # fmt: skip
            if (student, guardian) in seen:
                table.problem(line, "", "this relationship appears twice.")
                continue
            seen.add((student, guardian))
            if student == guardian:
                table.problem(line, "relationshipUserSourcedId", "a user cannot be their own "
                              "guardian.")  # fmt: skip
                continue
            self.relations.append((line, student, guardian, role or ""))
            if role in GUARDIAN_ROLES:
                current = self.guardian_roles.get(guardian)
                if current is None or GUARDIAN_ROLES.index(role) < GUARDIAN_ROLES.index(current):
                    self.guardian_roles[guardian] = role

    def _users(self, table: Table) -> None:
        ix = table.index
        at_sid, roles_of, guardians = ix["sourcedId"], self.roles, self.guardian_roles

        def kind(values: list[str]) -> str:
            sid = values[at_sid]
            roles = [r.role for r in roles_of.get(sid, ())]
            return kind_of_row(roles + (["guardian"] if sid in guardians else []))

        table.kind = kind
        for line, values, ok in table.rows():
            sid = values[ix["sourcedId"]]
            if not sid:
                continue
            roles = self.roles.pop(sid, [])
            if not self._unique(table, line, sid, self.users):
                continue
            self.users[sid] = UNREAD
            if not ok:
                continue
            given, family = values[ix["givenName"]], values[ix["familyName"]]
            email = values[ix["email"]] if "email" in ix else ""
            phone = values[ix["phone"]] if "phone" in ix else ""
            if not phone and "sms" in ix:
                phone = values[ix["sms"]]
            before = table.count
            for column, value, limit in (
                ("givenName", given, NAME_MAX), ("familyName", family, NAME_MAX),
                ("email", email, EMAIL_MAX), ("phone", phone, PHONE_MAX),
            ):  # fmt: skip
                too_long(table, line, column, value, limit)
            if table.count > before or sid in self.troubled:
                continue
            self.users[sid] = OTHER
            roles.sort(key=lambda r: not r.primary)
            students = [r for r in roles if r.role == "student"]
            if students:
                address = student_address(email, values[ix["username"]])
                self._student(table, line, sid, students, given, family, address)
            relationship = self.guardian_roles.get(sid)
            if relationship:
                if self.users[sid] == OTHER:
                    self.users[sid] = GUARDIAN
                self.roster.guardians[sid] = GuardianRecord(
                    sid, given, family, email or None, phone or None, relationship
                )
            principal = [
                r for r in roles if r.role == "principal" and self.org_types.get(r.org) == "school"
            ]
            teacher = any(r.role == "teacher" for r in roles)
            if principal or teacher:
                # They sign in with their email; an SDS username is the sign-in name, often one.
                email = email or (values[ix["username"]] if "@" in values[ix["username"]] else "")
                if not email:
                    table.problem(
                        line,
                        "email",
                        "this teacher or principal has no email address; they need one to sign in.",
                    )
                    self.users[sid] = UNREAD
                    continue
                role, school = ("principal", principal[0].org) if principal else ("teacher", None)
                if self.users[sid] != STUDENT:
                    self.users[sid] = STAFF
                self.roster.staff[sid] = StaffRecord(sid, given, family, email, role, school)

    def _student(self, table, line, sid, roles: list[_Role], given, family, email) -> None:
        # an org whose type could not be read counts as a school: its problem is reported
        at_school = [r for r in roles if self.org_types.get(r.org) in ("school", "")]
        if not at_school:
            kinds = {self.org_types.get(r.org) for r in roles}
            if kinds and kinds <= HIGHER_ED:
                self.users[sid] = OUTSIDE  # a college student: not this district's roster
            else:
                table.problem(
                    line,
                    "",
                    f'student "{sid}" is in no school: none of their student roles in '
                    "roles.csv is at an org of type school.",
                )
                self.users[sid] = UNREAD
            return
        role = at_school[0]
        if too_long(table, line, "", role.grade, GRADE_MAX):
            self.users[sid] = UNREAD
            return
        self.users[sid] = STUDENT
        self.roster.students[sid] = StudentRecord(
            sid, sid, given, family, role.grade, role.org, email=email
        )

    def _birth_dates(self) -> None:
        """birthDate from demographics.csv; missing or unreadable: a note, never a guess."""
        students, notes = self.roster.students, self.roster.notes
        if "demographics.csv" not in self.names:
            if students:
                notes.append(
                    Problem("demographics.csv", 0, "", NO_DEMOGRAPHICS.format(len(students)))
                )
            return
        seen: set[str] = set()

        def rows(table: Table) -> None:
            at_sid, at_birth = table.index["userSourcedId"], table.index.get("birthDate")
            for line, values, ok in table.rows():
                student = students.get(values[at_sid]) if ok else None
                if student is None:
                    continue
                seen.add(student.sourced_id)
                value = values[at_birth] if at_birth is not None else ""
                birth = read_birth_date(value)
                if birth is None:
                    message = bad_birth_date(value)
                    notes.append(Problem("demographics.csv", line, "birthDate", message))
                else:
                    student.birth_date = birth

        self._read("demographics.csv", rows)
        for sid in sorted(students.keys() - seen):
            notes.append(
                Problem("demographics.csv", 0, "", f'student "{sid}" has no row, so no birth date.')
            )

    def _unmatched_roles(self) -> None:
        if "users.csv" not in self.full:
            return
        for user in self.roles:
            self.problems.add(
                "roles.csv", self.role_lines[user], "userSourcedId",
                f'user "{user}" is not in users.csv.',
            )  # fmt: skip
        self.roles.clear()

    def _links(self) -> None:
        roster = self.roster
        check = "users.csv" in self.full
        for line, student, guardian, role in self.relations:
            missing = [u for u in (student, guardian) if u not in self.users]
            if missing:
                if check:
                    for user, column in ((student, "userSourcedId"),
                                         (guardian, "relationshipUserSourcedId")):  # fmt: skip
                        if user in missing:
                            self.problems.add(
                                "relationships.csv", line, column,
                                f'user "{user}" is not in users.csv.',
                            )  # fmt: skip
                continue
            if role not in GUARDIAN_ROLES or guardian not in roster.guardians:
                continue  # a doctor, an aide, "other": not a guardian link
            if student not in roster.students:
                if self.users[student] not in (OUTSIDE, UNREAD):
                    self.problems.add(
                        "relationships.csv", line, "userSourcedId",
                        f'user "{student}" is not a student in roles.csv.',
                    )  # fmt: skip
                continue
            key = (guardian, student)
            if key in roster.links:
                continue
            roster.links[key] = LinkRecord(guardian, student, role, role in HAS_RIGHTS)
        self.relations.clear()

    def _classes(self, table: Table) -> None:
        ix = table.index
        at_terms = ix.get("sessionSourcedIds")
        for line, values, ok in table.rows():
            sid = values[ix["sourcedId"]]
            if not sid or not self._unique(table, line, sid, self.classes):
                continue
            self.classes[sid] = True
            if not ok:
                continue
            before = table.count
            org = values[ix["orgSourcedId"]]
            kind = self._org(table, line, "orgSourcedId", org)
            if kind in HIGHER_ED:
                self.classes[sid] = False  # a college's class: outside the district's roster
                continue
            if kind not in (None, "", "school"):
                table.problem(line, "orgSourcedId", f'org "{org}" is a {kind}, not a school.')
            title = values[ix["title"]]
            too_long(table, line, "title", title, NAME_MAX)
            terms = split_list(values[at_terms]) if at_terms is not None else []
            first = terms[0] if terms else ""
            term = (self.sessions[first][0] if first in self.sessions else "") or first
            too_long(table, line, "sessionSourcedIds", term, TERM_MAX)
            if table.count > before:
                continue
            self.roster.sections[sid] = SectionRecord(sid, title, org, term)
            dates = class_dates(self.sessions, terms)
            if dates:
                self.class_dates[sid] = dates

    def _enrollments(self, table: Table) -> None:
        """Enrollments have no sourcedId in SDS: each is named "classId:userId"."""
        ix = table.index
        roster = self.roster
        at_class, at_user, at_role = ix["classSourcedId"], ix["userSourcedId"], ix["role"]
        others: set[str] = set()
        for line, values, ok in table.rows():
            if not ok:
                continue
            cls, user = values[at_class], values[at_user]
            sid = f"{cls}:{user}"
            if sid in roster.enrollments or sid in others:
                table.problem(line, "", "this user is enrolled in this class twice.")
                continue
            others.add(sid)
            before = table.count
            role = choice(
                table, line, "role", values[at_role], ROLES, what="role", case_sensitive=False
            )
            inside = self.classes.get(cls)
            if inside is None and "classes.csv" in self.full:
                table.problem(line, "classSourcedId", f'class "{cls}" is not in classes.csv.')
            kind = self.users.get(user)
            if kind is None and "users.csv" in self.full:
                table.problem(line, "userSourcedId", f'user "{user}" is not in users.csv.')
            if table.count > before or not inside or cls not in roster.sections:
                continue
            if role == "student":
                if kind == STUDENT:
                    others.discard(sid)
                    begin, end = self.class_dates.get(cls, (None, None))
                    roster.enrollments[sid] = EnrollmentRecord(sid, cls, user, begin, end)
                    self.pairs.add(user, cls, begin)
                elif kind not in (OUTSIDE, UNREAD):
                    table.problem(
                        line,
                        "userSourcedId",
                        f'user "{user}" is enrolled as a student but has '
                        "no student role at a school in roles.csv.",
                    )
            elif role == "teacher":
                if user in roster.staff:
                    self.teachers.setdefault(cls, []).append(user)
                elif kind not in (OUTSIDE, UNREAD):
                    table.problem(
                        line,
                        "userSourcedId",
                        f'user "{user}" is enrolled as a teacher but has '
                        "no teacher role in roles.csv.",
                    )

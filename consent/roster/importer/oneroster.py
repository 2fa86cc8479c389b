"""OneRoster 1.1 and 1.2 CSV sets: manifest, orgs, academicSessions, users, roles (1.2), classes
and enrollments, read row by row into a RosterSet. See `readers` for the rules and decisions."""

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

MANIFEST = "manifest.csv"
DEMOGRAPHICS = "demographics.csv"
VERSIONS = ("1.1", "1.2")


def _spec(name: str, columns: str, values: str, unused: str = "") -> FileSpec:
    """`values` the spec requires and the product reads (a blank refuses the set); `unused` the
    spec requires but nothing here reads (a blank is a note: real exports leave them empty)."""
    cols = tuple(columns.split())
    required, blank_ok = frozenset(values.split()), frozenset(unused.split())
    header = required | blank_ok | {"status", "dateLastModified"}
    return FileSpec(name, cols, header=header, values=required, unused=blank_ok)


_MANIFEST = FileSpec(
    MANIFEST, ("propertyName", "value"), header=frozenset({"propertyName", "value"}),
    values=frozenset({"propertyName"}),
)  # fmt: skip

_DEMOGRAPHIC_COLUMNS = (
    "sourcedId status dateLastModified birthDate sex americanIndianOrAlaskaNative asian "
    "blackOrAfricanAmerican nativeHawaiianOrOtherPacificIslander white "
    "demographicRaceTwoOrMoreRaces hispanicOrLatinoEthnicity countryOfBirthCode "
    "stateOfBirthAbbreviation cityOfBirth publicSchoolResidenceStatus"
)

_COMMON = {
    "orgs.csv": _spec(
        "orgs.csv",
        "sourcedId status dateLastModified name type identifier parentSourcedId",
        "sourcedId name type",
    ),
    "academicSessions.csv": _spec(
        "academicSessions.csv",
        "sourcedId status dateLastModified title type startDate endDate parentSourcedId schoolYear",
        "sourcedId title startDate endDate",
        "type schoolYear",
    ),
    "classes.csv": _spec(
        "classes.csv",
        "sourcedId status dateLastModified title grades courseSourcedId classCode classType "
        "location schoolSourcedId termSourcedIds subjects subjectCodes periods",
        "sourcedId title schoolSourcedId termSourcedIds",
        "courseSourcedId classType",
    ),
    "enrollments.csv": _spec(
        "enrollments.csv",
        "sourcedId status dateLastModified classSourcedId schoolSourcedId userSourcedId role "
        "primary beginDate endDate",
        "sourcedId classSourcedId userSourcedId role",
        "schoolSourcedId",
    ),
    # Only birthDate is read (rights pass to the student at 18, 34 CFR 99.5); the rest of the
    # file is sensitive and not kept. An empty birthDate is allowed and reported, not refused.
    DEMOGRAPHICS: FileSpec(
        DEMOGRAPHICS,
        tuple(_DEMOGRAPHIC_COLUMNS.split()),
        header=frozenset({"sourcedId", "status", "dateLastModified", "birthDate"}),
        values=frozenset({"sourcedId"}),
    ),
}

SPECS = {
    "1.1": {
        **_COMMON,
        "users.csv": _spec(
            "users.csv",
            "sourcedId status dateLastModified enabledUser orgSourcedIds role username userIds "
            "givenName familyName middleName identifier email sms phone agentSourcedIds grades "
            "password",
            "sourcedId orgSourcedIds role givenName familyName",
            "enabledUser username",
        ),
    },
    "1.2": {
        **_COMMON,
        # resourceSourcedIds is optional: some 1.2 exports (and profiles) leave the column out.
        "users.csv": _spec(
            "users.csv",
            "sourcedId status dateLastModified enabledUser username userIds givenName familyName "
            "middleName identifier email sms phone agentSourcedIds grades password "
            "userMasterIdentifier resourceSourcedIds preferredGivenName preferredMiddleName "
            "preferredFamilyName primaryOrgSourcedId pronouns",
            "sourcedId givenName familyName",
            "enabledUser",
        ),
        "roles.csv": _spec(
            "roles.csv",
            "sourcedId status dateLastModified userSourcedId roleType role beginDate endDate "
            "orgSourcedId userProfileSourcedId",
            "sourcedId userSourcedId roleType role orgSourcedId",
        ),
    },
}

ORG_TYPES = frozenset({"department", "district", "local", "national", "school", "state"})
USER_ROLES = {
    "1.1": frozenset(
        {"administrator", "aide", "guardian", "parent", "proctor", "relative", "student", "teacher"}
    ),
    "1.2": frozenset(
        {
            "aide", "counselor", "districtAdministrator", "guardian", "parent", "principal",
            "proctor", "relative", "siteAdministrator", "student", "systemAdministrator",
            "teacher",
        }
    ),
}  # fmt: skip
ROLE_TYPES = frozenset({"primary", "secondary"})
CLASS_TYPES = frozenset({"homeroom", "scheduled"})
ENROLLMENT_ROLES = frozenset({"administrator", "proctor", "student", "teacher"})
SESSION_TYPES = frozenset({"gradingPeriod", "semester", "schoolYear", "term"})
BOOLEANS = frozenset({"true", "false"})
STATUSES = ("active", "tobedeleted")
MODES = {m.value: m for m in Mode}

GUARDIAN_ROLES = ("parent", "guardian", "relative")  # strongest first
HAS_RIGHTS = frozenset({"parent", "guardian"})  # FERPA rights holders; relatives view only
PRINCIPAL_ROLES_12 = frozenset({"principal", "siteAdministrator"})
STAFF_ROLES = frozenset({"teacher", "administrator"}) | PRINCIPAL_ROLES_12

# What a user is, for checking references to them; one shared string each.
STUDENT, STAFF, GUARDIAN, OTHER, UNREAD = "student", "staff", "guardian", "other", ""

# Database column sizes (consent/roster/models.py): longer values are reported, not cut.
ID_MAX, NAME_MAX, IDENTIFIER_MAX, GRADE_MAX, EMAIL_MAX, PHONE_MAX, TERM_MAX = (
    255, 255, 64, 8, 320, 64, 64,
)  # fmt: skip


@dataclass(slots=True)
class _Role:
    """One roles.csv row (1.2), kept until its user's row is read."""

    role: str
    org: str
    primary: bool
    active: bool


class OneRosterReader:
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
        self.version = ""
        self.file_modes: dict[str, Mode] = {}
        self.full: set[str] = set()  # files read in full, in bulk: references into them are checked
        self.org_types: dict[str, str] = {}  # every org seen; "" when its type was not readable
        self.sessions: dict[str, tuple[str, date | None, date | None]] = {}
        self.users: dict[str, str] = {}  # every user seen -> STUDENT/STAFF/GUARDIAN/OTHER/UNREAD
        self.classes: set[str] = set()
        self.roles: dict[str, list[_Role]] = {}
        self.role_lines: dict[str, int] = {}
        self.troubled: set[str] = set()  # users with a roles.csv row that had a problem
        self.agents: list[tuple[str, int, str]] = []  # (user, line, agentSourcedIds as sent)
        self.shared: dict[str, str] = {}  # one string object for repeated values (grades, terms)
        self.pairs = EnrollmentPairs()
        self.identifiers: dict[str, str] = {}
        self.teachers: dict[str, list[tuple[bool, str]]] = {}
        # class -> (first start, last end) of its terms in academicSessions.csv
        self.class_dates: dict[str, tuple[date | None, date | None]] = {}
        self.manifest_lines: dict[str, int] = {}

    # --- the set --------------------------------------------------------------------------------

    def read(self) -> RosterSet:
        if not self._read_manifest():
            return RosterSet(format="unknown")
        self.roster = RosterSet(format=f"oneroster-{self.version}")
        self._check_files()
        mode = self.mode
        users = mode("users.csv")
        self.roster.modes = {
            "schools": mode("orgs.csv"),
            "students": users,
            "guardians": users,
            "staff": users,
            "sections": mode("classes.csv"),
            "enrollments": mode("enrollments.csv"),
            "links": users,
        }
        specs = SPECS[self.version]
        self._read("orgs.csv", specs, self._orgs)
        self._read("academicSessions.csv", specs, self._sessions)
        if self.version == "1.2":
            self._read("roles.csv", specs, self._roles)
            self._read("users.csv", specs, self._users_12)
            self._unmatched_roles()
        else:
            self._read("users.csv", specs, self._users_11)
        self._links()
        self._birth_dates(specs)
        self._read("classes.csv", specs, self._classes)
        self._read("enrollments.csv", specs, self._enrollments)
        self._section_teachers()
        self.pairs.report(self.roster, self.problems, "enrollments.csv")
        return self.roster

    def mode(self, name: str) -> Mode:
        return self.file_modes.get(name, Mode.ABSENT)

    def _read(self, name: str, specs: dict[str, FileSpec], rows: Callable[[Table], None]) -> None:
        if self.mode(name) is Mode.ABSENT or name not in self.names:
            return
        with open_table(self.source, specs[name], self.problems, self.progress) as table:
            if table is None:
                return
            rows(table)
            self.roster.notes.extend(table.unused_notes())
            if table.complete and self.mode(name) is Mode.BULK:
                self.full.add(name)

    def _read_manifest(self) -> bool:
        """Version and file modes from manifest.csv; False when the set cannot be read."""
        properties: dict[str, tuple[str, int]] = {}
        with open_table(self.source, _MANIFEST, self.problems) as table:
            if table is None:
                return False
            name_at, value_at = table.index["propertyName"], table.index["value"]
            for line, values, ok in table.rows():
                if not ok:
                    continue
                prop, value = values[name_at], values[value_at]
                if prop in properties:
                    table.problem(line, "propertyName", f'"{prop}" is listed twice.')
                    continue
                properties[prop] = (value, line)
                if prop.startswith("file."):
                    mode = MODES.get(value)
                    if mode is None:
                        table.problem(
                            line,
                            "value",
                            f'"{value}" is not a valid file mode for {prop}; use '
                            "bulk, delta or absent.",
                        )
                        continue
                    self.file_modes[prop.removeprefix("file.") + ".csv"] = mode
            if "oneroster.version" not in properties:
                table.problem(
                    0, "", 'the "oneroster.version" row is missing, so the set cannot be read.'
                )
                return False
            version, line = properties["oneroster.version"]
            if version not in VERSIONS:
                table.problem(
                    line,
                    "value",
                    f'OneRoster version "{version}" is not supported; use 1.1 or 1.2.',
                )
                return False
            self.version = version
            self.manifest_lines = {p: ln for p, (_, ln) in properties.items()}
            return True

    def _check_files(self) -> None:
        """The manifest and the files present must agree."""
        add = self.problems.add
        for name in sorted(self.names - {MANIFEST}):
            if name not in self.file_modes:
                hint = _case_hint(name, self.file_modes)
                add(name, 0, "", f"this file is not listed in manifest.csv.{hint}")
            elif self.file_modes[name] is Mode.ABSENT:
                add(name, 0, "", "manifest.csv says this file is absent, but it is in the set.")
        for name, mode in sorted(self.file_modes.items()):
            if mode is not Mode.ABSENT and name not in self.names:
                add(
                    MANIFEST,
                    self._line(name),
                    "value",
                    f"manifest.csv lists {name} as {mode}, but the set has no such file.",
                )
        if self.version == "1.2" and self.mode("roles.csv") is not self.mode("users.csv"):
            add(
                MANIFEST, self._line("roles.csv") or self._line("users.csv"), "value",
                "file.roles and file.users must have the same mode: roles.csv says which users "
                "are students, guardians and staff.",
            )  # fmt: skip
        if self.mode("classes.csv") is Mode.BULK and self.mode("enrollments.csv") is Mode.ABSENT:
            add(
                MANIFEST, self._line("enrollments.csv") or self._line("classes.csv"), "value",
                "classes.csv is sent in bulk, so enrollments.csv must be sent too: it says who "
                "teaches each class.",
            )  # fmt: skip

    def _line(self, name: str) -> int:
        return self.manifest_lines.get("file." + name.removesuffix(".csv"), 0)

    # --- rows shared by every file --------------------------------------------------------------

    def _status(self, table: Table, line: int, values: list[str]) -> bool | None:
        """Whether the row is active (True in bulk); None when status or date is wrong."""
        status = values[table.index["status"]]
        modified = values[table.index["dateLastModified"]]
        if self.mode(table.spec.name) is Mode.BULK:
            if status:
                table.problem(
                    line,
                    "status",
                    f'this file is sent in bulk, so status must be empty (found "{status}").',
                )
                return None
            if modified and not Values.datetime(table, line, "dateLastModified", modified):
                return None
            return True
        ok = True
        if status not in STATUSES:
            table.problem(
                line,
                "status",
                f'"{status}" is not a valid status; in a delta file each row is '
                '"active" or "tobedeleted".',
            )
            ok = False
        if not modified:
            table.problem(
                line, "dateLastModified", "a delta row needs the date and time it was last changed."
            )
            ok = False
        elif not Values.datetime(table, line, "dateLastModified", modified):
            ok = False
        return status == "active" if ok else None

    def _statuses(self, table: Table) -> Callable[[int, list[str]], bool | None]:
        """`_status` for this table, with the common case (a bulk row, both cells empty) fast."""
        at_status, at_modified = table.index["status"], table.index["dateLastModified"]
        bulk = self.mode(table.spec.name) is Mode.BULK
        slow = self._status

        def status(line: int, values: list[str]) -> bool | None:
            if bulk and not values[at_status] and not values[at_modified]:
                return True
            return slow(table, line, values)

        return status

    def _unique(self, table: Table, line: int, sid: str, seen: set[str] | dict[str, str]) -> bool:
        if sid in seen:
            table.problem(
                line, "sourcedId", f'sourcedId "{sid}" appears more than once in this file.'
            )
            return False
        return not too_long(table, line, "sourcedId", sid, ID_MAX)

    def _org(self, table: Table, line: int, column: str, org: str, *, school: bool) -> bool:
        """Whether `org` is a known org (and a school, when asked); unknown orgs pass unless
        orgs.csv was read in full in bulk."""
        kind = self.org_types.get(org)
        if kind is None:
            if "orgs.csv" in self.full:
                table.problem(line, column, f'org "{org}" is not in orgs.csv.')
                return False
            return True
        if school and kind not in ("school", ""):
            table.problem(line, column, f'org "{org}" is a {kind}, not a school.')
            return False
        return True

    def _user(self, table: Table, line: int, column: str, user: str) -> bool:
        if user not in self.users and "users.csv" in self.full:
            table.problem(line, column, f'user "{user}" is not in users.csv.')
            return False
        return True

    # --- files ----------------------------------------------------------------------------------

    def _orgs(self, table: Table) -> None:
        ix = table.index
        at_type, at_name, at_parent = ix["type"], ix["name"], ix.get("parentSourcedId")
        v12 = self.version == "1.2"
        parents: list[tuple[int, str]] = []
        for line, values, ok in table.rows():
            sid = values[ix["sourcedId"]]
            if not sid:
                continue
            if not self._unique(table, line, sid, self.org_types):
                continue
            self.org_types[sid] = ""
            if not ok:
                continue
            before = table.count
            active = self._status(table, line, values)
            kind = choice(
                table, line, "type", values[at_type], ORG_TYPES, what="org type", extensions=v12
            )
            name = values[at_name]
            too_long(table, line, "name", name, NAME_MAX)
            if at_parent is not None and values[at_parent]:
                parents.append((line, values[at_parent]))
            if kind:
                self.org_types[sid] = kind
            if table.count > before or active is None:
                continue
            if kind == "school":
                self.roster.schools[sid] = SchoolRecord(sid, name, active)
        if table.complete and self.mode("orgs.csv") is Mode.BULK:
            for line, parent in parents:
                if parent not in self.org_types:
                    table.problem(line, "parentSourcedId", f'org "{parent}" is not in orgs.csv.')

    def _sessions(self, table: Table) -> None:
        ix = table.index
        v12 = self.version == "1.2"
        for line, values, ok in table.rows():
            sid = values[ix["sourcedId"]]
            if not sid or not self._unique(table, line, sid, self.sessions):
                continue
            title = values[ix["title"]]
            self.sessions[sid] = (title, None, None)
            if not ok:
                continue
            self._status(table, line, values)
            if values[ix["type"]]:  # not read: a blank is a note, a wrong value a problem
                choice(
                    table, line, "type", values[ix["type"]], SESSION_TYPES, what="session type",
                    extensions=v12,
                )  # fmt: skip
            good_start, start = self.values.date(table, line, "startDate", values[ix["startDate"]])
            good_end, end = self.values.date(table, line, "endDate", values[ix["endDate"]])
            if good_start and good_end:
                self.sessions[sid] = (title, start, end)

    def _roles(self, table: Table) -> None:
        """roles.csv (1.2), read before users.csv: it says what each user is."""
        ix = table.index
        at_user, at_type, at_role, at_org = (
            ix["userSourcedId"], ix["roleType"], ix["role"], ix["orgSourcedId"],
        )  # fmt: skip
        at_begin, at_end = ix.get("beginDate"), ix.get("endDate")
        seen: set[str] = set()
        for line, values, ok in table.rows():
            sid = values[ix["sourcedId"]]
            user = values[at_user]
            if user:
                self.role_lines.setdefault(user, line)
                self.roles.setdefault(user, [])
            if not sid or not self._unique(table, line, sid, seen):
                continue
            seen.add(sid)
            if not ok:
                self.troubled.add(user)
                continue
            before = table.count
            active = self._status(table, line, values)
            role_type = choice(
                table, line, "roleType", values[at_type], ROLE_TYPES, what="role type"
            )
            role = choice(
                table, line, "role", values[at_role], USER_ROLES["1.2"], what="role",
                extensions=True,
            )  # fmt: skip
            org = values[at_org]
            self._org(table, line, "orgSourcedId", org, school=False)
            for column, at in (("beginDate", at_begin), ("endDate", at_end)):
                if at is not None:
                    self.values.date(table, line, column, values[at])
            if table.count > before or active is None or not role:
                self.troubled.add(user)  # the user's kind is unknown: no problems that follow
                continue
            self.roles[user].append(_Role(role, org, role_type == "primary", active))

    def _people(self, table: Table) -> Callable[[int, list[str]], tuple[str, ...]]:
        """For this users.csv: a row's given name, family name, email, phone (else sms) and
        username, lengths checked."""
        ix = table.index
        none = len(table.header)  # the index of an empty cell appended to every row
        at = [ix.get(c, none) for c in ("givenName", "familyName", "email", "phone", "sms")]
        at_given, at_family, at_email, at_phone, at_sms = at
        at_username = ix.get("username", none)
        limits = (("givenName", NAME_MAX), ("familyName", NAME_MAX), ("email", EMAIL_MAX))

        def person(line: int, values: list[str]) -> tuple[str, ...]:
            values.append("")
            given, family, email = values[at_given], values[at_family], values[at_email]
            phone = values[at_phone] or values[at_sms]
            username = values[at_username]
            values.pop()
            if len(given) > NAME_MAX or len(family) > NAME_MAX or len(email) > EMAIL_MAX:
                for (column, limit), value in zip(limits, (given, family, email), strict=True):
                    too_long(table, line, column, value, limit)
            too_long(table, line, "phone", phone, PHONE_MAX)
            return given, family, email, phone, username

        return person

    def _user_rows(self, table: Table):
        """users.csv rows with the checks every version shares, as (line, values, sourcedId,
        active, problems before the version's own checks); rows with a problem of shape or
        a duplicate sourcedId are reported and skipped."""
        ix = table.index
        at_sid, at_enabled = ix["sourcedId"], ix["enabledUser"]
        at_agents = ix.get("agentSourcedIds")
        users, agents_of = self.users, self.agents
        status = self._statuses(table)
        for line, values, ok in table.rows():
            sid = values[at_sid]
            if not sid:
                continue
            if sid in users or len(sid) > ID_MAX:
                self._unique(table, line, sid, users)
                continue
            users[sid] = UNREAD
            if not ok:
                continue
            before = table.count
            active = status(line, values)
            enabled = values[at_enabled]
            if enabled and enabled not in BOOLEANS:
                choice(
                    table, line, "enabledUser", enabled, BOOLEANS, what="enabledUser value "
                    "(true or false)", case_sensitive=False,
                )  # fmt: skip
            if at_agents is not None and values[at_agents]:
                agents_of.append((sid, line, values[at_agents]))
            yield line, values, sid, active, before

    def _users_11(self, table: Table) -> None:
        ix = table.index
        at_role, at_orgs = ix["role"], ix["orgSourcedIds"]
        roles, org_types = USER_ROLES["1.1"], self.org_types
        person_of = self._people(table)
        table.kind = lambda values: kind_of_row([values[at_role]])
        for line, values, sid, active, before in self._user_rows(table):
            role: str | None = values[at_role]
            if role not in roles:
                role = choice(table, line, "role", role or "", roles, what="role")
            orgs = split_list(values[at_orgs])
            for org in orgs:
                if org not in org_types:
                    self._org(table, line, "orgSourcedIds", org, school=False)
            person = person_of(line, values)
            if table.count > before or active is None or role is None:
                continue
            schools = self._schools(orgs)
            if role == "student":
                if not schools:
                    table.problem(
                        line,
                        "orgSourcedIds",
                        f'student "{sid}" is in no school: none of their '
                        "orgSourcedIds is an org of type school.",
                    )
                    continue
                self._student(table, line, values, sid, active, schools[0], person)
            elif role in GUARDIAN_ROLES:
                self._guardian(sid, active, role, person)
            elif role == "teacher":
                self._staff(table, line, sid, active, "teacher", None, person)
            elif role == "administrator" and schools:
                self._staff(table, line, sid, active, "principal", schools[0], person)
            else:
                self.users[sid] = OTHER

    def _users_12(self, table: Table) -> None:
        ix = table.index
        at_primary_org = ix.get("primaryOrgSourcedId")
        person_of = self._people(table)
        at_sid, roles_of = ix["sourcedId"], self.roles
        table.kind = lambda values: kind_of_row([r.role for r in roles_of.get(values[at_sid], ())])
        for line, values, sid, active, before in self._user_rows(table):
            roles = self.roles.pop(sid, None)
            primary_org = values[at_primary_org] if at_primary_org is not None else ""
            if primary_org:
                self._org(table, line, "primaryOrgSourcedId", primary_org, school=False)
            person = person_of(line, values)
            if table.count > before or active is None or sid in self.troubled:
                continue
            if roles is None:
                if "roles.csv" in self.full:
                    table.problem(
                        line,
                        "",
                        f'user "{sid}" has no row in roles.csv, so it is not known '
                        "whether they are a student, a guardian or staff.",
                    )
                continue
            roles.sort(key=lambda r: not r.primary)  # primary role first
            self.users[sid] = OTHER
            students = [r for r in roles if r.role == "student"]
            if students:
                orgs = [r.org for r in students] + ([primary_org] if primary_org else [])
                schools = self._schools(orgs)
                if not schools:
                    table.problem(
                        line,
                        "",
                        f'student "{sid}" is in no school: none of their student '
                        "roles in roles.csv is at an org of type school.",
                    )
                    self.users[sid] = UNREAD
                    continue
                alive = active and any(r.active for r in students)
                self._student(table, line, values, sid, alive, schools[0], person)
            guardian = [r for r in roles if r.role in GUARDIAN_ROLES]
            if guardian:
                relationship = min((r.role for r in guardian), key=GUARDIAN_ROLES.index)
                alive = active and any(r.active for r in guardian)
                self._guardian(sid, alive, relationship, person)
            principal = [
                r for r in roles if r.role in PRINCIPAL_ROLES_12 and self._schools([r.org])
            ]
            teacher = [r for r in roles if r.role == "teacher"]
            if principal:
                alive = active and any(r.active for r in principal)
                self._staff(table, line, sid, alive, "principal", principal[0].org, person)
            elif teacher:
                alive = active and any(r.active for r in teacher)
                self._staff(table, line, sid, alive, "teacher", None, person)

    def _unmatched_roles(self) -> None:
        if "users.csv" not in self.names or self.mode("users.csv") is Mode.ABSENT:
            return
        for user in self.roles:
            self.problems.add(
                "roles.csv", self.role_lines[user], "userSourcedId",
                f'user "{user}" is not in users.csv.',
            )  # fmt: skip
        self.roles.clear()

    def _schools(self, orgs: list[str]) -> list[str]:
        """The schools among `orgs`, in order; when orgs.csv was not read in full, orgs it does
        not list may be schools the service already knows, and count as schools after the known
        ones. An org whose type could not be read counts as a school (its problem is reported;
        guessing otherwise would add a second one)."""
        org_types = self.org_types
        if len(orgs) == 1 and org_types.get(orgs[0]) == "school":
            return orgs
        schools = [o for o in orgs if org_types.get(o) in ("school", "")]  # "": unreadable
        if "orgs.csv" not in self.full:
            schools += [o for o in orgs if o not in self.org_types]
        return schools

    def _student(self, table, line, values, sid, active, school, person) -> None:
        ix = table.index
        given, family = person[:2]
        identifier = (values[ix["identifier"]] if "identifier" in ix else "") or sid
        grade = values[ix["grades"]] if "grades" in ix else ""
        if "," in grade:
            grade = next(iter(split_list(grade)), "")
        if too_long(table, line, "identifier", identifier, IDENTIFIER_MAX) or too_long(
            table, line, "grades", grade, GRADE_MAX
        ):
            self.users[sid] = UNREAD
            return
        other = self.identifiers.setdefault(identifier, sid)
        if other != sid:
            table.problem(
                line,
                "identifier",
                f'student identifier "{identifier}" is also used by student "{other}".',
            )
            self.users[sid] = UNREAD
            return
        self.users[sid] = STUDENT
        known_school = self.roster.schools.get(school)
        self.roster.students[sid] = StudentRecord(
            sid,
            identifier,
            given,
            family,
            self.shared.setdefault(grade, grade),
            known_school.sourced_id if known_school else school,
            active,
            email=student_address(person[2], person[4]),
        )

    def _birth_dates(self, specs: dict[str, FileSpec]) -> None:
        """Each student's birthDate from demographics.csv; a missing or unreadable one is a
        note in the summary (the import goes on, the date stays as it was), never a guess."""
        if self.mode("users.csv") is Mode.ABSENT:
            return
        if self.mode(DEMOGRAPHICS) is Mode.ABSENT or DEMOGRAPHICS not in self.names:
            if self.roster.students:
                self.roster.notes.append(
                    Problem(DEMOGRAPHICS, 0, "", NO_DEMOGRAPHICS.format(len(self.roster.students)))
                )
            return
        seen: set[str] = set()

        def rows(table: Table) -> None:
            at_sid, at_birth = table.index["sourcedId"], table.index["birthDate"]
            students, notes = self.roster.students, self.roster.notes
            for line, values, ok in table.rows():
                student = students.get(values[at_sid]) if ok else None
                if student is None:
                    continue  # a guardian's or teacher's row, or one already reported
                seen.add(student.sourced_id)
                birth = read_birth_date(values[at_birth])
                if birth is None:
                    notes.append(
                        Problem(DEMOGRAPHICS, line, "birthDate", bad_birth_date(values[at_birth]))
                    )
                else:
                    student.birth_date = birth

        self._read(DEMOGRAPHICS, specs, rows)
        if self.mode(DEMOGRAPHICS) is Mode.BULK:
            for sid in sorted(self.roster.students.keys() - seen):
                self.roster.notes.append(
                    Problem(DEMOGRAPHICS, 0, "", f'student "{sid}" has no row, so no birth date.')
                )

    def _guardian(self, sid, active, relationship, person) -> None:
        given, family, email, phone, _ = person
        if self.users[sid] != STUDENT and self.users[sid] != STAFF:
            self.users[sid] = GUARDIAN
        relationship = GUARDIAN_ROLES[GUARDIAN_ROLES.index(relationship)]  # one shared string
        self.roster.guardians[sid] = GuardianRecord(
            sid, given, family, email or None, phone or None, relationship, active
        )

    def _staff(self, table, line, sid, active, role, school, person) -> None:
        """A teacher or principal; they sign in with their email, or a username that is one."""
        given, family, email, _, username = person
        email = email or (username if "@" in username else "")
        if too_long(table, line, "username", email, EMAIL_MAX):
            self.users[sid] = UNREAD
            return
        if not email:
            table.problem(
                line,
                "email",
                f"this {role} has no email address; teachers and principals need one to sign in.",
            )
            self.users[sid] = UNREAD
            return
        if self.users[sid] != STUDENT:
            self.users[sid] = STAFF
        self.roster.staff[sid] = StaffRecord(sid, given, family, email, role, school, active)

    def _links(self) -> None:
        """Guardian-student links from agentSourcedIds, in either direction or both (the union).

        A link needs both people in this set: in a delta, an agent who is not in users.csv is
        left as the service has them."""
        roster = self.roster
        students, guardians = roster.students, roster.guardians
        check = "users.csv" in self.full
        for sid, line, agents in self.agents:
            for agent in split_list(agents):
                if agent not in self.users:
                    if check:
                        self.problems.add(
                            "users.csv", line, "agentSourcedIds",
                            f'user "{agent}" is not in users.csv.',
                        )  # fmt: skip
                    continue
                if sid in students and agent in guardians:
                    _link(roster, agent, sid)
                elif sid in guardians and agent in students:
                    _link(roster, sid, agent)
        self.agents.clear()

    def _classes(self, table: Table) -> None:
        ix = table.index
        v12 = self.version == "1.2"
        at_title, at_type, at_school, at_terms = (
            ix["title"], ix["classType"], ix["schoolSourcedId"], ix["termSourcedIds"],
        )  # fmt: skip
        for line, values, ok in table.rows():
            sid = values[ix["sourcedId"]]
            if not sid or not self._unique(table, line, sid, self.classes):
                continue
            self.classes.add(sid)
            if not ok:
                continue
            before = table.count
            active = self._status(table, line, values)
            if values[at_type]:  # not read: a blank is a note, a wrong value a problem
                choice(
                    table, line, "classType", values[at_type], CLASS_TYPES, what="class type",
                    extensions=v12,
                )  # fmt: skip
            school = values[at_school]
            self._org(table, line, "schoolSourcedId", school, school=True)
            title = values[at_title]
            too_long(table, line, "title", title, NAME_MAX)
            terms = split_list(values[at_terms])
            term = self.sessions[terms[0]][0] if terms and terms[0] in self.sessions else ""
            term = term or (terms[0] if terms else "")
            too_long(table, line, "termSourcedIds", term, TERM_MAX)
            if table.count > before or active is None:
                continue
            known_school = self.roster.schools.get(school)
            if known_school:
                school = known_school.sourced_id
            term = self.shared.setdefault(term, term)
            self.roster.sections[sid] = SectionRecord(sid, title, school, term, (), active)
            dates = class_dates(self.sessions, terms)
            if dates:
                self.class_dates[sid] = dates

    def _enrollments(self, table: Table) -> None:
        """enrollments.csv, a million rows in a large district: the common case (a valid bulk
        row) is checked inline, anything unusual goes through the general checks."""
        ix = table.index
        v12 = self.version == "1.2"
        roster = self.roster
        enrollments, sections, students, staff = (
            roster.enrollments, roster.sections, roster.students, roster.staff,
        )  # fmt: skip
        classes, users, org_types, class_dates_ = (
            self.classes, self.users, self.org_types, self.class_dates,
        )  # fmt: skip
        at_sid, at_class, at_school, at_user, at_role = (
            ix["sourcedId"], ix["classSourcedId"], ix["schoolSourcedId"], ix["userSourcedId"],
            ix["role"],
        )  # fmt: skip
        at_status, at_modified = ix["status"], ix["dateLastModified"]
        none = len(table.header)
        at_primary = ix.get("primary")
        at_begin, at_end = ix.get("beginDate", none), ix.get("endDate", none)
        bulk = self.mode(table.spec.name) is Mode.BULK
        classes_full = "classes.csv" in self.full
        users_full = "users.csv" in self.full
        orgs_full = "orgs.csv" in self.full
        date_of = self.values.date
        known_dates = self.values.dates
        pairs = self.pairs
        others: set[str] = set()  # teachers', administrators' and proctors' enrollment ids
        for line, values, ok in table.rows():
            sid = values[at_sid]
            if not sid:
                continue
            if sid in enrollments or sid in others:
                table.problem(
                    line, "sourcedId", f'sourcedId "{sid}" appears more than once in this file.'
                )
                continue
            if not ok:
                others.add(sid)
                continue
            before = table.count
            if bulk and not values[at_status] and not values[at_modified]:
                active: bool | None = True
            else:
                active = self._status(table, line, values)
            cls, user, school = values[at_class], values[at_user], values[at_school]
            if classes_full and cls not in classes:
                table.problem(line, "classSourcedId", f'class "{cls}" is not in classes.csv.')
            if school and org_types.get(school) != "school" and (orgs_full or school in org_types):
                self._org(table, line, "schoolSourcedId", school, school=True)
            kind = users.get(user)
            if kind is None and users_full:
                table.problem(line, "userSourcedId", f'user "{user}" is not in users.csv.')
            role = values[at_role]
            if role not in ENROLLMENT_ROLES:
                role = choice(
                    table, line, "role", role, ENROLLMENT_ROLES, what="enrollment role",
                    extensions=v12,
                ) or ""  # fmt: skip
            primary = values[at_primary] if at_primary is not None else ""
            if primary and primary not in BOOLEANS:
                primary = choice(
                    table, line, "primary", primary, BOOLEANS, what="primary value (true or "
                    "false)", case_sensitive=False,
                ) or ""  # fmt: skip
            values.append("")  # the cell of a column the file leaves out
            begin_text, end_text = values[at_begin], values[at_end]
            begin, end = known_dates.get(begin_text), known_dates.get(end_text)
            good_begin = good_end = True
            if begin is None and begin_text:
                good_begin, begin = date_of(table, line, "beginDate", begin_text)
            if end is None and end_text:
                good_end, end = date_of(table, line, "endDate", end_text)
            if good_begin and good_end and begin and end and end < begin:
                table.problem(line, "endDate", "the end date is before the begin date.")
            if users_full and kind:  # known and read: its kind must fit the role
                if role == "student" and kind != STUDENT:
                    table.problem(
                        line,
                        "userSourcedId",
                        f'user "{user}" is enrolled as a student but is not a student in '
                        "users.csv.",
                    )
                elif role == "teacher" and kind != STAFF:
                    table.problem(
                        line,
                        "userSourcedId",
                        f'user "{user}" is enrolled as a teacher but is not a teacher or '
                        "principal in users.csv.",
                    )
            if table.count > before or active is None:
                others.add(sid)
                continue
            if role == "student":
                section = sections.get(cls)
                student = students.get(user)
                if begin is None and end is None and cls in class_dates_:
                    begin, end = class_dates_[cls]
                if section:
                    cls = section.sourced_id  # share one string per section...
                if student:
                    user = student.sourced_id  # ...and per student
                enrollments[sid] = EnrollmentRecord(sid, cls, user, begin, end, active)
                if active:
                    pairs.add(user, cls, begin)
            else:
                others.add(sid)
                if role == "teacher" and active and cls in sections:
                    teacher = staff.get(user)
                    self.teachers.setdefault(cls, []).append(
                        (primary != "true", teacher.sourced_id if teacher else user)
                    )

    def _section_teachers(self) -> None:
        """Each section's teachers: primary teachers first, each once."""
        sections = self.roster.sections
        for cls, teachers in self.teachers.items():
            teachers.sort(key=lambda t: t[0])
            sections[cls].teacher_sourced_ids = tuple(dict.fromkeys(t for _, t in teachers))
        self.teachers.clear()


def kind_of_row(roles) -> str:
    """A users.csv row's kind in words, for a note about cells it left blank."""
    if "student" in roles:
        return "student"
    if any(r in GUARDIAN_ROLES for r in roles):
        return "guardian"
    if any(r in STAFF_ROLES for r in roles):
        return "staff"
    return "other user"


def class_dates(
    sessions: dict[str, tuple[str, date | None, date | None]], terms: list[str]
) -> tuple[date | None, date | None] | None:
    """From the first start to the last end of a class's terms (a year-long class has two)."""
    known = [sessions[t] for t in terms if t in sessions]
    starts = [s for _, s, _ in known if s]
    ends = [e for _, _, e in known if e]
    if not starts and not ends:
        return None
    return (min(starts) if starts else None, max(ends) if ends else None)


def student_address(email: str, username: str) -> str | None:
    """A student's own address (their invitation at 18): email, else a username that is one."""
    address = email or (username if "@" in username else "")
    return address if address and len(address) <= EMAIL_MAX else None


def _link(roster: RosterSet, guardian_id: str, student_id: str) -> None:
    guardian = roster.guardians[guardian_id]
    student = roster.students[student_id]
    key = (guardian.sourced_id, student.sourced_id)  # the records' strings: no copies kept
    if key in roster.links:
        return
    roster.links[key] = LinkRecord(
        *key,
        guardian.relationship,
        guardian.relationship in HAS_RIGHTS,
        guardian.active and student.active,
    )


def _case_hint(name: str, known) -> str:
    for other in known:
        if other.lower() == name.lower():
            return f' File names are case-sensitive: did you mean "{other}"?'
    return ""


class EnrollmentPairs:
    """No two active enrollments may put a student in a section from the same date (the database
    keeps one). A 16 MB bit table, filled as enrollments are read, finds candidate pairs; only
    those are compared exactly afterwards, so a million enrollments need no second dictionary."""

    _MASK = (1 << 27) - 1

    def __init__(self) -> None:
        self.bits = bytearray(1 << 24)
        self.suspects: set[int] = set()

    def add(self, student: str, section: str, begin: date | None) -> None:
        h = hash((student, section, begin)) & self._MASK
        byte, bit = h >> 3, 1 << (h & 7)
        if self.bits[byte] & bit:
            self.suspects.add(h)
        else:
            self.bits[byte] |= bit

    def report(self, roster: RosterSet, problems: Problems, file: str) -> None:
        self.bits = bytearray()
        if not self.suspects:
            return
        first: dict[tuple, str] = {}
        for e in roster.enrollments.values():
            key = (e.student_sourced_id, e.section_sourced_id, e.begin_date)
            if not e.active or hash(key) & self._MASK not in self.suspects:
                continue
            other = first.setdefault(key, e.sourced_id)
            if other != e.sourced_id:
                when = f"from {e.begin_date.isoformat()}" if e.begin_date else "with no begin date"
                problems.add(
                    file, 0, "sourcedId",
                    f'enrollments "{other}" and "{e.sourced_id}" both put student '
                    f'"{e.student_sourced_id}" in class "{e.section_sourced_id}" {when}.',
                )  # fmt: skip

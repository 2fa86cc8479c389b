"""Write a synthetic district as a OneRoster 1.1 bulk CSV set, for benchmarking the roster import.

    python bench/generate_district.py --students 160000 --out /tmp/district [--seed 1] [--zip]

The default size is a large district (../shared/PRODUCT.md, "Scale it must hold"): 160,000
students, about 250,000 guardians, 210 schools, about 13,000 teachers and 210 principals
(OneRoster 1.1 `administrator` at a school), 45,000 sections and about 1.3 million student
enrollments (plus the teachers' enrollments). Every count scales with --students.

What the set holds, so the import has real work to do:
- households of one to three children (siblings in different schools share their guardians),
  one or two parents (some with role `guardian`) and sometimes a `relative`;
  `agentSourcedIds` filled in both directions for most households, only student -> guardians
  for some and only guardian -> students for others; about one guardian in ten has no email;
- schools of three kinds (elementary K-5, middle 6-8, high 9-12) of different sizes; each student
  takes 8 or 9 sections of their own grade at their school; sections are year-long, fall or
  spring; a few sections have a co-teacher, and a few teachers teach in two schools;
- non-ASCII names now and then (José, Zoë, Nguyễn, Łukasz ...), UUID enrollment ids, a
  district org, two district administrators and some aides (which the import skips).

Files are written row by row (csv.writer) and nothing per student is kept in memory, so any size
runs in constant memory. The output is byte-identical for the same --students, --seed and
--school-year. With --zip the folder is also packed into OUT.zip.
"""

import argparse
import csv
import random
import sys
import time
import zipfile
from bisect import bisect_right
from datetime import date
from itertools import accumulate
from pathlib import Path

# The large district every count is scaled from (per 160,000 students).
DEFAULT_STUDENTS = 160_000
SCHOOLS = 210
SECTIONS = 45_000
TEACHERS = 13_000
ENROLLMENTS_PER_STUDENT = 1_300_000 / 160_000  # 8.125
GUARDIANS = 250_000

HEADERS = {
    "orgs.csv": "sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId",
    "academicSessions.csv": "sourcedId,status,dateLastModified,title,type,startDate,endDate,"
    "parentSourcedId,schoolYear",
    "courses.csv": "sourcedId,status,dateLastModified,schoolYearSourcedId,title,courseCode,"
    "grades,orgSourcedId,subjects,subjectCodes",
    "classes.csv": "sourcedId,status,dateLastModified,title,grades,courseSourcedId,classCode,"
    "classType,location,schoolSourcedId,termSourcedIds,subjects,subjectCodes,periods",
    "users.csv": "sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,username,"
    "userIds,givenName,familyName,middleName,identifier,email,sms,phone,agentSourcedIds,grades,"
    "password",
    "enrollments.csv": "sourcedId,status,dateLastModified,classSourcedId,schoolSourcedId,"
    "userSourcedId,role,primary,beginDate,endDate",
}
MANIFEST = [
    ("manifest.version", "1.0"),
    ("oneroster.version", "1.1"),
    ("source.systemName", "consent bench/generate_district.py"),
    ("source.systemCode", "synthetic"),
    ("file.academicSessions", "bulk"),
    ("file.categories", "absent"),
    ("file.classes", "bulk"),
    ("file.classResources", "absent"),
    ("file.courses", "bulk"),
    ("file.courseResources", "absent"),
    ("file.demographics", "absent"),
    ("file.enrollments", "bulk"),
    ("file.lineItems", "absent"),
    ("file.orgs", "bulk"),
    ("file.resources", "absent"),
    ("file.results", "absent"),
    ("file.users", "bulk"),
]


def words(text: str) -> list[str]:
    return text.split()


GIVEN = words(
    "Emma Liam Olivia Noah Ava Elijah Sophia James Isabella William Mia Benjamin Charlotte "
    "Lucas Amelia Henry Harper Alexander Evelyn Mason Abigail Michael Emily Ethan Elizabeth "
    "Daniel Sofia Jacob Avery Logan Ella Jackson Madison Sebastian Scarlett Jack Victoria "
    "Aiden Aria Owen Grace Samuel Chloe Matthew Camila Joseph Penelope Levi Riley Mateo Layla "
    "David Lillian Maria Carlos Luis Ana Juan Sofia Diego Valentina Fatima Omar Aisha Yusuf "
    "Mei Wei Hiroshi Yuki Priya Arjun Ananya Kwame Amara Chidi Nia Dmitri Olga Ivan Kateryna "
    "Tomasz Anna José Zoë Chloé Renée Björn Søren Łukasz Małgorzata Thảo Dũng Ángel Inés "
    "François Anaïs Jürgen Çağla Nuñez Siân"
)
FAMILY = words(
    "Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez "
    "Lopez Gonzalez Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson "
    "White Harris Sanchez Clark Ramirez Lewis Robinson Walker Young Allen King Wright Scott "
    "Torres Nguyen Hill Flores Green Adams Nelson Baker Hall Rivera Campbell Mitchell Carter "
    "Roberts Kim Patel Shah Chen Wang Li Zhang Okafor Mensah Ivanova Kowalski Novak Cohen "
    "Murphy Sullivan Kelly O'Brien Müller Núñez Peña Nguyễn Trần Łęcka Šimić Østergård "
    "Gómez-Ibáñez D'Angelo Schröder Çelik Dvořák"
) + ["Ó Briain"]
MIDDLE = ["", "", "", "", "", "A.", "Marie", "Lee", "José", "Ann", "J."]
SUBJECTS = [
    ("English Language Arts", "ELA", "01001"),
    ("Mathematics", "MATH", "02001"),
    ("Science", "SCI", "03001"),
    ("Social Studies", "SS", "04001"),
    ("Physical Education", "PE", "08001"),
    ("Art", "ART", "05001"),
    ("Music", "MUS", "05101"),
    ("World Languages", "WL", "06001"),
    ("Computer Science", "CS", "10001"),
    ("Health", "HLTH", "08051"),
]
GRADES = ["KG"] + [f"{g:02d}" for g in range(1, 13)]
SCHOOL_KINDS = (  # name, grades, relative size (students); 3 elementary : 1 middle : 1 high
    ("Elementary School", GRADES[0:6], 1.0),
    ("Elementary School", GRADES[0:6], 1.0),
    ("Elementary School", GRADES[0:6], 1.0),
    ("Middle School", GRADES[6:9], 1.6),
    ("High School", GRADES[9:13], 2.4),
)
PLACES = words(
    "Lincoln Washington Jefferson Roosevelt Kennedy Oak Maple Cedar Pine Willow Riverside "
    "Lakeview Hillcrest Fairview Highland Sunnyside Parkside Brookside Meadow Valley Summit "
    "Eastgate Westwood Northridge Southfield Greenfield Franklin Madison Monroe Harbor"
) + ["Cesar Chávez", "Dolores Huerta", "Sor Juana", "Mañana Hills"]
DISTRICT = "district-0001"


def scaled(count: float, students: int, minimum: int = 1) -> int:
    return max(minimum, round(count * students / DEFAULT_STUDENTS))


class Names:
    """Random people; about one name in twenty is non-ASCII (the pools end with those)."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        ascii_given = [n for n in GIVEN if n.isascii()]
        ascii_family = [n for n in FAMILY if n.isascii()]
        self.given = (ascii_given, [n for n in GIVEN if not n.isascii()])
        self.family = (ascii_family, [n for n in FAMILY if not n.isascii()])

    def person(self) -> tuple[str, str, str]:
        r = self.rng.random
        choice = self.rng.choice
        given = choice(self.given[r() < 0.05])
        family = choice(self.family[r() < 0.05])
        return given, family, choice(MIDDLE)

    def family_name(self) -> str:
        return self.rng.choice(self.family[self.rng.random() < 0.05])

    def given_name(self) -> str:
        return self.rng.choice(self.given[self.rng.random() < 0.05])


def slug(text: str) -> str:
    """An email-safe ASCII version of a name."""
    out = []
    for ch in text.lower():
        if "a" <= ch <= "z":
            out.append(ch)
        elif not ch.isascii() and ch.isalpha():
            out.append("x")
    return "".join(out) or "x"


def generate(out: Path, students: int, seed: int, school_year: int, log=print) -> dict[str, int]:
    """Write the set into `out` (created); return the row count of each file (headers excluded)."""
    rng = random.Random(seed)
    names = Names(rng)
    out.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}
    started = time.perf_counter()

    handles = {}
    writers = {}
    for name, header in HEADERS.items():
        handles[name] = open(out / name, "w", encoding="utf-8", newline="")  # noqa: SIM115
        writers[name] = csv.writer(handles[name])
        writers[name].writerow(header.split(","))
        counts[name] = 0
    try:
        _write_all(writers, counts, rng, names, students, school_year, log)
    finally:
        for handle in handles.values():
            handle.close()
    with open(out / "manifest.csv", "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["propertyName", "value"])
        writer.writerows(MANIFEST)
    counts["manifest.csv"] = len(MANIFEST)
    log(f"wrote {out} in {time.perf_counter() - started:.1f} s")
    return counts


def _write_all(writers, counts, rng, names, students, school_year, log) -> None:
    random_ = rng.random
    randrange = rng.randrange
    getrandbits = rng.getrandbits

    # --- orgs -----------------------------------------------------------------------------------
    n_schools = scaled(SCHOOLS, students)
    orgs = writers["orgs.csv"]
    orgs.writerow([DISTRICT, "", "", "Consent Unified School District", "district", "0001", ""])
    counts["orgs.csv"] += 1
    schools = []  # (sourcedId, grades, weight)
    for s in range(n_schools):
        kind, grades, weight = SCHOOL_KINDS[s % len(SCHOOL_KINDS)]
        sid = f"school-{s + 1:04d}"
        place = PLACES[s % len(PLACES)]
        number = s // len(PLACES)
        title = f"{place} {kind}" + (f" {number + 1}" if number else "")
        # sizes vary around the kind's mean, so sections and teachers vary too
        schools.append((sid, grades, weight * (0.6 + 0.8 * random_())))
        orgs.writerow([sid, "", "", title, "school", f"{s + 1:04d}", DISTRICT])
        counts["orgs.csv"] += 1

    # --- academic sessions --------------------------------------------------------------------
    year_id, fall_id, spring_id = (f"{school_year}-{t}" for t in ("year", "fall", "spring"))
    starts = date(school_year - 1, 8, 17)
    fall_end = date(school_year - 1, 12, 18)
    spring_start = date(school_year, 1, 4)
    ends = date(school_year, 5, 28)
    sessions = writers["academicSessions.csv"]
    label = f"{school_year - 1}-{school_year}"
    sessions.writerows(
        [
            [year_id, "", "", f"{label} School Year", "schoolYear", starts, ends, "", school_year],
            [fall_id, "", "", f"{label} Fall", "semester", starts, fall_end, year_id, school_year],
            [spring_id, "", "", f"{label} Spring", "semester", spring_start, ends, year_id,
             school_year],
        ]
    )  # fmt: skip
    counts["academicSessions.csv"] += 3
    terms = (  # termSourcedIds, begin, end; half the sections are year-long
        (f"{fall_id},{spring_id}", starts, ends),
        (f"{fall_id},{spring_id}", starts, ends),
        (fall_id, starts, fall_end),
        (spring_id, spring_start, ends),
    )

    # --- courses: one per grade and subject, at the district ------------------------------------
    courses = writers["courses.csv"]
    for grade in GRADES:
        for title, code, subject_code in SUBJECTS:
            courses.writerow(
                [f"course-{code}-{grade}", "", "", year_id, f"{title} {grade}",
                 f"{code}-{grade}", grade, DISTRICT, title, subject_code]
            )  # fmt: skip
            counts["courses.csv"] += 1

    # --- sections and teachers, per school --------------------------------------------------------
    weights = [w for _, _, w in schools]
    total_weight = sum(weights)
    n_sections = scaled(SECTIONS, students)
    n_teachers = scaled(TEACHERS, students)
    classes = writers["classes.csv"]
    enrollments = writers["enrollments.csv"]
    users = writers["users.csv"]
    # per school: its sections by grade [(sourcedId, begin, end)], and for the students' rows
    by_grade: list[dict[str, list[tuple[str, object, object]]]] = []
    teacher_rows = []  # (sourcedId, [school ids]) -- a few hundred kilobytes at full size
    section_count = 0
    teacher_count = 0
    staff_enrollments = 0
    for s, (school_id, grades, weight) in enumerate(schools):
        share = weight / total_weight
        sections_here = max(len(grades) * 9, round(n_sections * share))
        teachers_here = max(2, round(n_teachers * share))
        first_teacher = teacher_count
        for t in range(teachers_here):
            teacher_rows.append((f"t{first_teacher + t + 1:06d}", [school_id]))
        teacher_count += teachers_here
        # one teacher of the school before also teaches here (a teacher in two schools)
        visiting = None
        if s > 0 and random_() < 0.5:
            visiting = teacher_rows[first_teacher - 1]
            visiting[1].append(school_id)
        grade_sections: dict[str, list[tuple[str, object, object]]] = {g: [] for g in grades}
        for k in range(sections_here):
            grade = grades[k % len(grades)]
            subject, code, subject_code = SUBJECTS[(k // len(grades)) % len(SUBJECTS)]
            section_count += 1
            sid = f"class-{section_count:06d}"
            term_ids, begin, end = terms[randrange(4)]
            period = k % 8 + 1
            elementary = grade in GRADES[0:6]
            classes.writerow(
                [sid, "", "", f"{subject} {grade} - Period {period}", grade,
                 f"course-{code}-{grade}", f"{code}-{grade}-{k + 1:03d}",
                 "homeroom" if elementary and k < len(grades) else "scheduled",
                 f"Room {100 + k % 300}", school_id, term_ids, subject, subject_code, period]
            )  # fmt: skip
            counts["classes.csv"] += 1
            grade_sections[grade].append((sid, begin, end))
            teacher = teacher_rows[first_teacher + k % teachers_here][0]
            enrollments.writerow(
                [f"te-{sid}-1", "", "", sid, school_id, teacher, "teacher", "true", begin, end]
            )
            staff_enrollments += 1
            co_teacher = None
            if visiting is not None and k == 0:
                co_teacher = visiting[0]
            elif random_() < 0.05:
                co_teacher = teacher_rows[first_teacher + randrange(teachers_here)][0]
            if co_teacher is not None and co_teacher != teacher:
                enrollments.writerow(
                    [f"te-{sid}-2", "", "", sid, school_id, co_teacher, "teacher", "false",
                     begin, end]
                )  # fmt: skip
                staff_enrollments += 1
        by_grade.append(grade_sections)
    counts["enrollments.csv"] += staff_enrollments
    log(f"  {n_schools} schools, {section_count} sections, {teacher_count} teachers")

    # --- staff users ----------------------------------------------------------------------------
    for sid, orgs_of in teacher_rows:
        given, family, middle = names.person()
        email = f"{slug(given)}.{slug(family)}.{sid}@staff.consent-usd.example.org"
        users.writerow(
            [sid, "", "", "true", ",".join(orgs_of), "teacher", email, f"{{Local:{sid}}}",
             given, family, middle, sid, email, "", "", "", "", ""]
        )  # fmt: skip
    counts["users.csv"] += len(teacher_rows)
    for s, (school_id, _, _) in enumerate(schools):
        sid = f"p{s + 1:05d}"
        given, family, middle = names.person()
        email = f"{slug(given)}.{slug(family)}.{sid}@staff.consent-usd.example.org"
        users.writerow(
            [sid, "", "", "true", school_id, "administrator", email, f"{{Local:{sid}}}", given,
             family, middle, sid, email, "", "", "", "", ""]
        )  # fmt: skip
    counts["users.csv"] += n_schools
    # people the import skips: district administrators (not at a school) and aides
    skipped = [(f"d{n:05d}", DISTRICT, "administrator") for n in range(1, 3)]
    skipped += [
        (f"a{n:05d}", schools[n % n_schools][0], "aide")
        for n in range(1, scaled(400, students, 0) + 1)
    ]
    for sid, org, role in skipped:
        given, family, middle = names.person()
        email = f"{slug(given)}.{slug(family)}.{sid}@staff.consent-usd.example.org"
        users.writerow(
            [sid, "", "", "true", org, role, email, "", given, family, middle, "", email, "",
             "", "", "", ""]
        )  # fmt: skip
    counts["users.csv"] += len(skipped)
    del teacher_rows

    # --- households: students, guardians, links, student enrollments ---------------------------
    cumulative = list(accumulate(weights))
    # Aim at the guardians-per-student ratio: 1.3 children and ~2.0 adults a household.
    target_ratio = GUARDIANS / DEFAULT_STUDENTS
    student_no = 0
    guardian_no = 0
    enrollment_rows = 0
    while student_no < students:
        r = random_()
        children = 1 if r < 0.76 else (2 if r < 0.95 else 3)
        children = min(children, students - student_no)
        family = names.family_name()
        kids = []
        for _ in range(children):
            student_no += 1
            sid = f"s{student_no:07d}"
            school = bisect_right(cumulative, random_() * total_weight)
            school = min(school, n_schools - 1)
            school_id, grades, _ = schools[school]
            grade = grades[randrange(len(grades))]
            kids.append((sid, school, school_id, grade))
        # adults: one or two parents, sometimes a relative; keep close to the target ratio
        expected = target_ratio * student_no
        adults = 2 if random_() < 0.82 else 1
        if guardian_no + adults < expected - 3:
            adults += 1
        elif guardian_no + adults > expected + 3:
            adults = max(1, adults - 1)
        elders = []
        for a in range(adults):
            guardian_no += 1
            gid = f"g{guardian_no:07d}"
            if a == 2 or (a == 1 and random_() < 0.04):
                role = "relative"
            else:
                role = "guardian" if random_() < 0.06 else "parent"
            elders.append((gid, role))
        # links: both directions, only student -> guardian, or only guardian -> student
        r = random_()
        from_students = r < 0.85
        from_guardians = r < 0.6 or r >= 0.85
        guardian_ids = ",".join(g for g, _ in elders) if from_students else ""
        student_ids = ",".join(k[0] for k in kids) if from_guardians else ""

        for sid, school, school_id, grade in kids:
            given, _, middle = names.person()
            family_name = family if random_() < 0.9 else names.family_name()
            login = f"{slug(given)}.{slug(family_name)}{sid[1:]}"
            email = f"{login}@students.consent-usd.example.org"
            number = str(1_000_000 + int(sid[1:]))
            users.writerow(
                [sid, "", "", "true", school_id, "student", login, f"{{Local:{number}}}", given,
                 family_name, middle, number, email, "", "", guardian_ids, grade, ""]
            )  # fmt: skip
            pool = by_grade[school][grade]
            take = 8 + (random_() < ENROLLMENTS_PER_STUDENT - 8)
            take = min(take, len(pool))
            for class_id, begin, end in rng.sample(pool, take):
                enrollment = "%08x-%04x-4%03x-a%03x-%012x" % (  # noqa: UP031 (fast)
                    getrandbits(32), getrandbits(16), getrandbits(12), getrandbits(12),
                    getrandbits(48),
                )  # fmt: skip
                enrollments.writerow(
                    [enrollment, "", "", class_id, school_id, sid, "student", "", begin, end]
                )
            enrollment_rows += take
        for gid, role in elders:
            given = names.given_name()
            family_name = family if role == "parent" and random_() < 0.8 else names.family_name()
            email = f"{slug(given)}.{slug(family_name)}.{gid}@mail.example.net"
            if random_() < 0.1:
                email = ""  # no email: the school reaches them on paper
            phone = f"(555) {randrange(1000):03d} {randrange(10000):04d}"
            users.writerow(
                [gid, "", "", "true", DISTRICT, role, email or gid, "", given, family_name, "", "",
                 email, phone if random_() < 0.3 else "", phone, student_ids, "", ""]
            )  # fmt: skip
        if student_no % 20000 < children:
            log(f"  {student_no} students ...")
    counts["users.csv"] += students + guardian_no
    counts["enrollments.csv"] += enrollment_rows
    log(
        f"  {students} students, {guardian_no} guardians, {enrollment_rows} student enrollments,"
        f" {staff_enrollments} teacher enrollments"
    )


def pack(folder: Path) -> Path:
    """folder/*.csv -> folder.zip (deflated), each file streamed in."""
    target = folder.with_suffix(".zip")
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
        for path in sorted(folder.glob("*.csv")):
            zf.write(path, path.name)
    return target


def default_school_year(today: date | None = None) -> int:
    """The calendar year a school year ends in: the one in progress (from August)."""
    today = today or date.today()
    return today.year + 1 if today.month >= 8 else today.year


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=DEFAULT_STUDENTS)
    parser.add_argument("--out", type=Path, required=True, help="folder to write the CSVs into")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--school-year", type=int, default=None, help="year the school year ends (default: now)"
    )
    parser.add_argument("--zip", action="store_true", help="also pack the folder into OUT.zip")
    args = parser.parse_args(argv)
    if args.students < 1:
        parser.error("--students must be at least 1")
    year = args.school_year or default_school_year()
    counts = generate(args.out, args.students, args.seed, year)
    for name, count in sorted(counts.items()):
        print(f"  {name:<22}{count:>10,} rows")
    if args.zip:
        print(f"packed {pack(args.out)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

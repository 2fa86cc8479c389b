"""Vendor exports for the tests, built in memory: a plain identifier list, OneRoster 1.1 and 1.2
sets (zips) and a lone users.csv."""

import io
import zipfile

USERS_11 = (
    "sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,username,userIds,"
    "givenName,familyName,middleName,identifier,email,sms,phone,agentSourcedIds,grades,password"
)


def identifier_csv(*identifiers: str, header: str = "student number") -> bytes:
    return "\n".join([header, *identifiers]).encode() + b"\n"


def users_csv(students: list[tuple[str, str]], staff: list[str] = ()) -> bytes:
    """OneRoster 1.1 users.csv: students as (sourcedId, identifier), and some teachers."""
    rows = [USERS_11]
    for sourced_id, number in students:
        rows.append(f"{sourced_id},,,true,school-x,student,,,A,B,,{number},,,,,07,")
    for sourced_id in staff:
        rows.append(f"{sourced_id},,,true,school-x,teacher,,,T,C,,{sourced_id},,,,,,")
    return ("\n".join(rows) + "\n").encode()


def oneroster_zip(students: list[tuple[str, str]], staff: list[str] = ()) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("manifest.csv", "propertyName,value\nmanifest.version,1.0\n")
        z.writestr("users.csv", users_csv(students, staff))
    return buffer.getvalue()


def oneroster_12_zip(students: list[str], staff: list[str]) -> bytes:
    """OneRoster 1.2: users.csv has no role; roles.csv says who is a student."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        users = ["sourcedId,status,dateLastModified,enabledUser,username,givenName,familyName"]
        users += [f"{s},,,true,,A,B" for s in [*students, *staff]]
        z.writestr("users.csv", "\n".join(users) + "\n")
        roles = ["sourcedId,status,dateLastModified,userSourcedId,roleType,role,orgSourcedId"]
        roles += [f"r-{s},,,{s},primary,student,school-x" for s in students]
        roles += [f"r-{s},,,{s},primary,teacher,school-x" for s in staff]
        z.writestr("roles.csv", "\n".join(roles) + "\n")
    return buffer.getvalue()

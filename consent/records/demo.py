"""The demo district's records request and disclosure, made through the real operations."""

from datetime import date, timedelta

from consent.core import clock
from consent.records import operations
from consent.records.models import DisclosureBasis, RequestKind


def file_demo_records(accounts: dict, students: dict, today: date) -> None:
    """Olivia's mother asked for an attendance correction, it was refused, and she asked for a
    hearing (the office now owes one); Mateo's records went to the state for an audit."""
    with clock.at(clock.moment_on(today - timedelta(days=20), hour=10)):
        records_request = operations.file_records_request(
            actor=accounts["patricia"],
            student=students["olivia"],
            kind=RequestKind.AMEND,
            record_description="Attendance record for 14 October",
            what_is_wrong="Olivia is marked absent, but she was at the regional science fair.",
            should_say="Present (school-approved event)",
        )
    with clock.at(clock.moment_on(today - timedelta(days=10), hour=10)):
        operations.refuse_amendment(
            actor=accounts["lee"],
            records_request=records_request,
            reason="The science fair was not a school-approved event on the district calendar.",
        )
    with clock.at(clock.moment_on(today - timedelta(days=5), hour=10)):
        operations.request_hearing(actor=accounts["patricia"], records_request=records_request)
    with clock.at(clock.moment_on(today - timedelta(days=3), hour=10)):
        operations.record_disclosure(
            actor=accounts["lee"],
            student=students["mateo"],
            recipient="Maryland State Department of Education",
            basis=DisclosureBasis.STATE_AUDIT,
            interest="Yearly audit of attendance reporting, under the state's authority.",
            records="Attendance and enrollment for this school year",
            disclosed_on=today - timedelta(days=3),
        )

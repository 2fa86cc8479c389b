"""The one place that decides who may see which student, request, task and section.

A guardian sees students linked to them; a teacher students enrolled in their sections; a
principal students of their school; the privacy office all. Lists go through the `visible_*`
scopes, single records through the `*_or_404` loaders, which answer a forbidden record exactly
like a missing one and write staff reads to the audit log.
"""

from consent.access.policy import (
    can_file_for,
    can_see_student,
    deny,
    optout_or_404,
    rights_holder_student_or_404,
    role_or_404,
    section_or_404,
    student_or_404,
    task_or_404,
    visible_optouts,
    visible_sections,
    visible_student_ids,
    visible_students,
)
from consent.access.records import (
    disclosure_or_404,
    may_act_for_family,
    records_request_or_404,
    visible_disclosures,
    visible_records_requests,
)

__all__ = [
    "can_file_for",
    "can_see_student",
    "deny",
    "disclosure_or_404",
    "may_act_for_family",
    "optout_or_404",
    "records_request_or_404",
    "rights_holder_student_or_404",
    "role_or_404",
    "section_or_404",
    "student_or_404",
    "task_or_404",
    "visible_disclosures",
    "visible_optouts",
    "visible_records_requests",
    "visible_sections",
    "visible_student_ids",
    "visible_students",
]

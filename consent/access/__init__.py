"""The one place that decides who may see which student, request, task and section.

A guardian sees students linked to them; a teacher students enrolled in their sections; a
principal students of their school; the privacy office all. Lists go through the `visible_*`
scopes, single records through the `*_or_404` loaders, which answer a forbidden record exactly
like a missing one and write staff reads to the audit log.
"""

from consent.access.families import (
    deciding_guardians,
    deciding_students,
    may_decide_for,
    may_record_for,
    recording_student_or_404,
)
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

__all__ = [
    "can_file_for",
    "can_see_student",
    "deciding_guardians",
    "deciding_students",
    "deny",
    "may_decide_for",
    "may_record_for",
    "optout_or_404",
    "recording_student_or_404",
    "rights_holder_student_or_404",
    "role_or_404",
    "section_or_404",
    "student_or_404",
    "task_or_404",
    "visible_optouts",
    "visible_sections",
    "visible_student_ids",
    "visible_students",
]

"""The one place that decides who may see which student, request, task and section.

A guardian sees students linked to them; a teacher students enrolled in their sections; a
principal students of their school; the privacy office all. Lists go through the `visible_*`
scopes, single records through the `*_or_404` loaders, which answer a forbidden record exactly
like a missing one and write staff reads to the audit log. Consent forms and their answers are
decided in `forms`, report scopes and the family's data-sharing page in `reports`.
"""

from consent.access.forms import (
    answerable_form_or_404,
    answers_on_the_web,
    answers_school_id,
    form_reaches,
    form_student_or_404,
    may_follow_answers,
    may_manage_forms,
    may_see_form,
    staff_form_or_404,
    visible_form_students,
    visible_forms,
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
from consent.access.reports import (
    data_sharing_student_or_404,
    may_choose_report_school,
    may_see_data_sharing,
    may_see_reports,
    report_form_or_404,
    report_school_or_404,
)

__all__ = [
    "answerable_form_or_404",
    "answers_on_the_web",
    "answers_school_id",
    "can_file_for",
    "can_see_student",
    "data_sharing_student_or_404",
    "deny",
    "form_reaches",
    "form_student_or_404",
    "may_choose_report_school",
    "may_follow_answers",
    "may_manage_forms",
    "may_see_data_sharing",
    "may_see_form",
    "may_see_reports",
    "optout_or_404",
    "report_form_or_404",
    "report_school_or_404",
    "rights_holder_student_or_404",
    "role_or_404",
    "section_or_404",
    "staff_form_or_404",
    "student_or_404",
    "task_or_404",
    "visible_form_students",
    "visible_forms",
    "visible_optouts",
    "visible_sections",
    "visible_student_ids",
    "visible_students",
]

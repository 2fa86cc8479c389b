"""The one place that decides who may see which student, request, task and section.

A guardian sees students linked to them; a teacher students enrolled in their sections; a
principal students of their school; the privacy office all. Lists go through the `visible_*`
scopes, single records through the `*_or_404` loaders, which answer a forbidden record exactly
like a missing one and write staff reads to the audit log.

The catalog, tool uses, vetting requests and the privacy office's own pages are decided in
`consent.access.catalog`.
"""

from consent.access.catalog import (
    allowed_or_404,
    closure_or_404,
    may_ask_for_vetting,
    may_change_use,
    may_decide_vetting,
    may_declare_for_section,
    may_declare_wide_use,
    may_edit_catalog,
    may_follow_vetting_request,
    may_import_roster,
    may_keep_calendar,
    may_read_audit_log,
    may_watch_outbox,
    roster_import_or_404,
    tool_or_404,
    tool_use_or_404,
    vetting_request_or_404,
    visible_vetting_requests,
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
    "allowed_or_404",
    "can_file_for",
    "can_see_student",
    "closure_or_404",
    "deny",
    "may_ask_for_vetting",
    "may_change_use",
    "may_decide_vetting",
    "may_declare_for_section",
    "may_declare_wide_use",
    "may_edit_catalog",
    "may_follow_vetting_request",
    "may_import_roster",
    "may_keep_calendar",
    "may_read_audit_log",
    "may_watch_outbox",
    "optout_or_404",
    "rights_holder_student_or_404",
    "role_or_404",
    "roster_import_or_404",
    "section_or_404",
    "student_or_404",
    "task_or_404",
    "tool_or_404",
    "tool_use_or_404",
    "vetting_request_or_404",
    "visible_optouts",
    "visible_sections",
    "visible_student_ids",
    "visible_students",
    "visible_vetting_requests",
]

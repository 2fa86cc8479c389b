"""The one place that decides who may see which student, request, task and section.

A guardian sees students linked to them; a teacher students enrolled in their sections; a
principal students of their school; the privacy office all. Lists go through the `visible_*`
scopes, single records through the `*_or_404` loaders, which answer a forbidden record exactly
like a missing one and write staff reads to the audit log.

Students, requests, tasks and sections are decided in `policy`; the catalog, tool uses, vetting
requests and the privacy office's own pages in `catalog`; consent forms and their answers in
`forms`; report scopes and the family's data-sharing page in `reports`; who may record a
request for a family in `families`; records requests and disclosures in `records`.
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
from consent.access.families import (
    deciding_guardians,
    deciding_students,
    may_decide_for,
    may_record_for,
    recording_student_or_404,
)
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
from consent.access.records import (
    disclosure_or_404,
    may_act_for_family,
    records_request_or_404,
    visible_disclosures,
    visible_records_requests,
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
    "allowed_or_404",
    "answerable_form_or_404",
    "answers_on_the_web",
    "answers_school_id",
    "can_file_for",
    "can_see_student",
    "closure_or_404",
    "data_sharing_student_or_404",
    "deciding_guardians",
    "deciding_students",
    "deny",
    "disclosure_or_404",
    "form_reaches",
    "form_student_or_404",
    "may_act_for_family",
    "may_ask_for_vetting",
    "may_change_use",
    "may_choose_report_school",
    "may_decide_for",
    "may_decide_vetting",
    "may_declare_for_section",
    "may_declare_wide_use",
    "may_edit_catalog",
    "may_follow_answers",
    "may_follow_vetting_request",
    "may_import_roster",
    "may_keep_calendar",
    "may_manage_forms",
    "may_read_audit_log",
    "may_record_for",
    "may_see_data_sharing",
    "may_see_form",
    "may_see_reports",
    "may_watch_outbox",
    "optout_or_404",
    "recording_student_or_404",
    "records_request_or_404",
    "report_form_or_404",
    "report_school_or_404",
    "rights_holder_student_or_404",
    "role_or_404",
    "roster_import_or_404",
    "section_or_404",
    "staff_form_or_404",
    "student_or_404",
    "task_or_404",
    "tool_or_404",
    "tool_use_or_404",
    "vetting_request_or_404",
    "visible_disclosures",
    "visible_form_students",
    "visible_forms",
    "visible_optouts",
    "visible_records_requests",
    "visible_sections",
    "visible_student_ids",
    "visible_students",
    "visible_vetting_requests",
]

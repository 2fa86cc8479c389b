"""Every action the audit log records, in the words the privacy office reads it in.

The log stores the short code (stable, searchable, exported); the page shows these words. A code
written without words here is a slip: `check` warns (an error in the test suite), so the list
cannot fall behind the code. Imports only the foundation: access and every domain record rows.
"""

import warnings

from flask_babel import lazy_gettext as _l

ACTIONS = {
    "access.denied": _l("Was refused a page (not theirs to see)"),
    "accounts.created": _l("Created an account"),
    "accounts.invite": _l("Sent an invitation to an account"),
    "accounts.language_changed": _l("Changed their language"),
    "accounts.lockout": _l("Sign-in locked after repeated failures"),
    "accounts.other_sessions_ended": _l("Signed out their other sessions"),
    "accounts.password_change_failed": _l("Failed to change their password"),
    "accounts.password_changed": _l("Changed their password"),
    "accounts.password_reset": _l("Reset their password"),
    "accounts.recovery_code_used": _l("Signed in with a recovery code"),
    "accounts.recovery_codes_renewed": _l("Replaced their recovery codes"),
    "accounts.second_factor_enrolled": _l("Turned on their second factor"),
    "accounts.second_factor_failed": _l("Typed a wrong or used sign-in code"),
    "accounts.second_factor_removed": _l("Turned off their second factor"),
    "accounts.second_factor_reset": _l("Reset someone's second factor"),
    "accounts.second_factor_used": _l("Confirmed a sign-in with a code from their app"),
    "accounts.signin": _l("Signed in"),
    "accounts.signin_failed": _l("Failed to sign in"),
    "accounts.signin_locked": _l("Tried to sign in while locked"),
    "accounts.signin_password_off": _l("Tried a password where staff sign in with the district"),
    "accounts.signin_sso": _l("Signed in with the district's account"),
    "accounts.sso_email_taken": _l("District sign-in refused: the email has another account"),
    "accounts.sso_failed": _l("District sign-in failed its security checks"),
    "accounts.sso_inactive": _l("District sign-in refused: no longer on the staff roster"),
    "accounts.sso_unknown": _l("District sign-in refused: not on the staff roster"),
    "accounts.sso_unverified": _l("District sign-in refused: email not verified"),
    "accounts.signout": _l("Signed out"),
    "api.catalog": _l("A district system read the tool catalog through the API"),
    "api.exclusions": _l("A district system read a tool's exclusion list through the API"),
    "api.roster_check": _l("A district system submitted a vendor's roster for a check"),
    "api.student": _l("A district system read a student's choices through the API"),
    "api.students": _l("A district system read students' choices through the API"),
    "audit.export": _l("Downloaded the audit log"),
    "audit.view": _l("Read the audit log"),
    "calendar.closure_add": _l("Added a school closure"),
    "calendar.closure_remove": _l("Removed a school closure"),
    "consentform.answer": _l("Answered a consent form"),
    "consentform.answer.view": _l("Viewed a student's consent-form answer"),
    "consentform.class.view": _l("Viewed a class's answers to a consent form"),
    "consentform.copy": _l("Copied a consent form as a draft for the new school year"),
    "consentform.create": _l("Created a consent form"),
    "consentform.edit": _l("Edited a consent form"),
    "consentform.translate": _l("Translated a consent form's texts"),
    "consentform.enter": _l("Entered a family's paper or phone answer"),
    "consentform.publish": _l("Published a consent form"),
    "consentform.students.list": _l("Listed the students of a consent form"),
    "disclosure.list": _l("Listed a student's disclosures"),
    "disclosure.record": _l("Recorded a disclosure"),
    "disclosure.view": _l("Viewed a disclosure"),
    "enforcement.roster_check": _l("Checked a vendor's roster export for a tool"),
    "enforcement.roster_check.view": _l("Viewed the students a vendor's roster still lists"),
    "export.guardians_without_email": _l("Downloaded the families without email"),
    "guardian_link.restrict": _l("Restricted a parent's link by court order"),
    "notice.edit": _l("Saved a new version of the annual notice"),
    "notice.not_reached": _l("Viewed who the annual notice did not reach"),
    "notice.print_list": _l("Viewed the printable list of families without email"),
    "notice.send": _l("Sent the annual notice to every rights holder"),
    "optout.close": _l("Closed an opt-out request"),
    "optout.confirm": _l("Confirmed an opt-out request"),
    "optout.file": _l("Filed an opt-out request"),
    "optout.join": _l("Joined an opt-out request"),
    "optout.list": _l("Listed opt-out requests"),
    "optout.return": _l("Returned a plan to the teacher"),
    "optout.view": _l("Viewed an opt-out request"),
    "optout.withdraw": _l("Withdrew an opt-out request"),
    "optout.year_carry": _l("Carried a confirmed opt-out into the new school year"),
    "optout.year_end": _l("Ended a confirmed opt-out with the school year"),
    "release.export": _l("Downloaded the do-not-release list"),
    "release.list.view": _l("Viewed the do-not-release list"),
    "integration.created": _l("Made an integration token"),
    "integration.revoked": _l("Revoked an integration token"),
    "receipt.verify": _l("Checked a receipt's verification code"),
    "records_request.add_statement": _l("Added a statement of disagreement"),
    "records_request.close": _l("Closed a records request"),
    "records_request.decide_hearing": _l("Recorded a hearing's outcome"),
    "records_request.file": _l("Asked to see or correct records"),
    "records_request.grant": _l("Granted an amendment"),
    "records_request.list": _l("Listed records requests"),
    "records_request.make_available": _l("Made records available"),
    "records_request.refuse": _l("Refused an amendment"),
    "records_request.request_hearing": _l("Asked for a hearing"),
    "records_request.schedule_hearing": _l("Scheduled a hearing"),
    "records_request.view": _l("Viewed a records request"),
    "report.export": _l("Downloaded a report"),
    "report.nonresponders.view": _l("Listed students with no consent-form answer"),
    "report.overdue.view": _l("Listed overdue requests"),
    "rollover.rule": _l("Set what happens to opt-outs at the end of the school year"),
    "rollover.run": _l("Rolled over to the new school year"),
    "roster.import": _l("Imported the roster"),
    "roster.import.retry": _l("Retried an interrupted roster import"),
    "section.answers.view": _l("Viewed a class's answers to the forms staff must see"),
    "section.optouts.view": _l("Viewed a class list"),
    "student.not_tax_dependent": _l("Marked a student as no longer a tax dependent"),
    "student.rights_passed": _l("Rights passed to the student at 18"),
    "student.tax_dependent": _l("Marked a student as a tax dependent"),
    "student.view": _l("Viewed a student's page"),
    "task.acknowledge": _l("Acknowledged a task"),
    "task.list": _l("Listed their tasks"),
    "task.plan": _l("Recorded a plan"),
    "task.view": _l("Viewed a task"),
    "guideline_use.settle": _l("Settled a class use under the guidelines after the decision"),
    "guideline_use.start": _l("Started using a tool in a class under the guidelines"),
    "guidelines.edit": _l("Edited the General Use Guidelines"),
    "tool.create": _l("Added a tool to the catalog"),
    "tool.edit": _l("Edited a tool in the catalog"),
    "tool.translate": _l("Translated a tool's texts in the catalog"),
    "tool_use.declare": _l("Declared a tool in use"),
    "tool_use.end": _l("Ended a tool's use"),
    "vetting.answer": _l("Answered the privacy office's question on a vetting request"),
    "vetting.ask": _l("Asked the requester for more information on a vetting request"),
    "vetting.question_withdrawn": _l("Withdrew an unanswered question on a vetting request"),
    "vetting.assign": _l("Assigned reviewers to a vetting request"),
    "vetting.decide": _l("Decided a vetting request"),
    "vetting.review": _l("Recorded a review of a vetting request"),
    "vetting.reviewer_duty": _l("Changed who reviews vetting requests"),
    "vetting.rubric_change": _l("Changed the vetting review rubric"),
    "vetting.rereview": _l("Sent an approved tool back for review"),
    "vetting.submit": _l("Asked for a tool to be vetted"),
    "webhook.deactivated": _l("Deactivated a webhook"),
    "webhook.registered": _l("Registered a webhook"),
    "webhook.retried": _l("Retried a failed webhook delivery"),
    "webhook.secret_rotated": _l("Made a new secret for a webhook"),
}

#: Who acted, in words: the stored role of an account, or who acts when no one is signed in.
ROLES = {
    "guardian": _l("Parent or guardian"),
    "teacher": _l("Teacher"),
    "principal": _l("Principal"),
    "privacy_officer": _l("Privacy office"),
    "system": _l("The system"),
    "integration": _l("A district system, with its integration token"),
    "anonymous": _l("Not signed in"),
}


class UnknownAuditAction(RuntimeWarning):
    """An audit row was written with a code the log has no words for."""


def check(action: str) -> str:
    """The action, after warning when the privacy office would read it as a bare code."""
    if action not in ACTIONS:
        warnings.warn(
            f"audit action {action!r} has no words in consent.audit.actions.ACTIONS",
            UnknownAuditAction,
            stacklevel=3,
        )
    return action


def action_words(code: str) -> str:
    """The words for an action; an older code the list no longer has stays readable as is."""
    return str(ACTIONS[code]) if code in ACTIONS else code


def role_words(code: str) -> str:
    return str(ROLES[code]) if code in ROLES else code

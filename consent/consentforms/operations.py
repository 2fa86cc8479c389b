"""Every change to consent forms and answers. Each writes its history, audit and notification
rows in the caller's transaction and flushes; the caller commits once."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask_babel import format_date
from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, func, select
from sqlalchemy.exc import IntegrityError

from consent.access import deciding_link
from consent.access.families import deciding_guardians, may_record_for
from consent.access.forms import answers_on_the_web, may_manage_forms
from consent.accounts.models import Account
from consent.audit.operations import record
from consent.catalog.models import Tool
from consent.catalog.queries import current_sections, tools_for_student
from consent.consentforms.models import (
    GRADES,
    STAFF_KINDS,
    Answer,
    AnswerMethod,
    ConsentAnswer,
    ConsentAnswerEvent,
    ConsentForm,
    ConsentFormGrade,
    ConsentFormVersion,
    FormKind,
    FormMode,
    FormStatus,
)
from consent.consentforms.rules import (
    ConsentFormError,
    answer_in_force,
    check_open,
    check_received,
    check_scope,
    check_text,
    check_window,
)
from consent.consentforms.scope import in_scope, student_in_scope
from consent.core import clock
from consent.core.batch import each
from consent.core.i18n import district_language
from consent.extensions import db
from consent.notifications.models import Notification
from consent.notifications.operations import notify, notify_many
from consent.optouts import operations as optouts
from consent.optouts.models import ACTIVE_STATUSES, Channel, OptOut, OptOutRequester
from consent.optouts.rules import OptOutError
from consent.receipts.operations import issue_for_answer
from consent.roster.models import Guardian, GuardianLink, School, Student
from consent.texts import operations as texts
from consent.texts.queries import form_entries
from consent.webhooks.models import WebhookEvent
from consent.webhooks.operations import enqueue, stamp

PUBLISHED_KIND = "consentform_published"


def _require_office(actor: Account) -> None:
    if not may_manage_forms(actor):
        raise ConsentFormError(_l("Only the privacy office can manage consent forms."))


def form_link(form: ConsentForm) -> str:
    """The guardian's forms page, marked with the form: also the key that makes publishing
    idempotent (one notice per guardian per form)."""
    return f"/forms?form={form.id}"


def answer_link(form_id: int, student_id: int) -> str:
    return f"/forms/{form_id}/students/{student_id}"


def receipt_link(form_id: int, student_id: int) -> str:
    """The guardian's receipt of their latest answer for the child on the form."""
    return f"/forms/{form_id}/students/{student_id}/receipt"


# --- the privacy office: create, edit, publish ---------------------------------------------


def create_form(
    *,
    actor: Account,
    school_year: str,
    kind: FormKind,
    mode: FormMode,
    title: str,
    text: str,
    opens_on: date | None,
    closes_on: date | None,
    school_ids=(),
    grades=(),
    tool_id: int | None = None,
    staff_must_see: bool | None = None,
) -> ConsentForm:
    """A draft form with its first version; nothing reaches families until it is published."""
    _require_office(actor)
    title = (title or "").strip()
    if not title:
        raise ConsentFormError(_l("Give the form a title."))
    check_window(opens_on, closes_on)
    text = check_text(text)
    grades = sorted(set(grades))
    if any(g not in GRADES for g in grades):
        raise ConsentFormError(_l("Choose grades from the list."))
    check_scope(kind, grades, tool_id)
    if tool_id is not None and db.session.get(Tool, tool_id) is None:
        raise ConsentFormError(_l("Choose the tool this consent is for."))
    schools = []
    if school_ids:
        schools = list(db.session.scalars(select(School).where(School.id.in_(set(school_ids)))))
        if len(schools) != len(set(school_ids)):
            raise ConsentFormError(_l("Choose schools from the list."))
    form = ConsentForm(
        school_year=school_year,
        kind=kind,
        mode=mode,
        title=title,
        opens_on=opens_on,
        closes_on=closes_on,
        tool_id=tool_id,
        status=FormStatus.DRAFT,
        created_by_account_id=actor.id,
        schools=schools,
        grade_rows=[ConsentFormGrade(grade=g) for g in grades],
        staff_must_see=kind in STAFF_KINDS or bool(staff_must_see),
    )
    db.session.add(form)
    db.session.flush()
    db.session.add(
        ConsentFormVersion(form_id=form.id, number=1, text=text, created_by_account_id=actor.id)
    )
    record(actor, "consentform.create", target=f"consentform:{form.id}")
    db.session.flush()
    return form


def latest_version(form: ConsentForm) -> ConsentFormVersion:
    return db.session.scalar(
        select(ConsentFormVersion)
        .where(ConsentFormVersion.form_id == form.id)
        .order_by(ConsentFormVersion.number.desc())
        .limit(1)
    )


def edit_form(
    *,
    actor: Account,
    form: ConsentForm,
    title: str,
    text: str,
    opens_on,
    closes_on,
    staff_must_see: bool | None = None,
) -> ConsentFormVersion | None:
    """Change the title, window, text or whether staff must see the answers. A changed text is
    a new version; answers already given keep the version they answered. The kinds staff must
    always see stay marked. Returns the new version, if any."""
    _require_office(actor)
    title = (title or "").strip()
    if not title:
        raise ConsentFormError(_l("Give the form a title."))
    check_window(opens_on, closes_on)
    text = check_text(text)
    form.title, form.opens_on, form.closes_on = title, opens_on, closes_on
    if staff_must_see is not None:
        form.staff_must_see = form.kind in STAFF_KINDS or bool(staff_must_see)
    current = latest_version(form)
    version = None
    if current.text != text:
        version = ConsentFormVersion(
            form_id=form.id, number=current.number + 1, text=text, created_by_account_id=actor.id
        )
        db.session.add(version)
    record(actor, "consentform.edit", target=f"consentform:{form.id}")
    db.session.flush()
    return version


def translate_form(*, actor: Account, form: ConsentForm, language: str, values: dict[str, str]):
    """Save the form's title and latest text in one language. A translation says what the
    version says, so it is no new version and families are not told again; the audit row says
    who changed it."""
    _require_office(actor)
    changes = texts.save(
        actor=actor, language=language, entries=form_entries(form, language), values=values
    )
    record(actor, "consentform.translate", target=f"consentform:{form.id}")
    return changes


def publish_form(*, actor: Account, form: ConsentForm, now: datetime | None = None) -> int:
    """Publish the form and notify every guardian with FERPA rights of a student in scope.
    Idempotent: publishing again (or after the roster added families) tells only those not yet
    told. Returns how many guardians were told now."""
    _require_office(actor)
    now = now or clock.now()
    if form.status is FormStatus.DRAFT:
        form.status = FormStatus.PUBLISHED
        form.published_at = now
        form.published_by_account_id = actor.id
        record(actor, "consentform.publish", target=f"consentform:{form.id}")
    db.session.flush()
    return notify_guardians_in_scope(form, now=now)


def notify_guardians_in_scope(form: ConsentForm, *, now: datetime | None = None) -> int:
    """Tell every guardian with FERPA rights of a student in scope who has not been told of
    this form yet, each in their language, set-based whatever the district's size."""
    if form.status is not FormStatus.PUBLISHED:
        raise ConsentFormError(_l("Publish the form before telling families about it."))
    link = form_link(form)
    has_child_in_scope = (
        exists()
        .where(
            GuardianLink.guardian_id == Guardian.id,
            deciding_link(),
            GuardianLink.student_id == Student.id,
            in_scope(form.id),
        )
        .correlate(Guardian)
    )
    already_told = (
        exists()
        .where(
            Notification.guardian_id == Guardian.id,
            Notification.kind == PUBLISHED_KIND,
            Notification.link == link,
        )
        .correlate(Guardian)
    )
    told = notify_many(
        template=PUBLISHED_KIND,
        guardian_ids=select(Guardian.id).where(
            Guardian.active.is_(True), has_child_in_scope, ~already_told
        ),
        link=link,
        context={"form": form},
        now=now,
    )
    db.session.flush()
    return told


# --- answers: guardians on the web, staff from paper or phone ------------------------------


@dataclass
class Outcome:
    answer: ConsentAnswer  # the answer in force after this one
    given: ConsentAnswerEvent  # what was just answered
    disagreement: bool = False
    optout: object | None = None  # the opt-out a tool refusal opened or joined
    withdrawn: object | None = None  # the opt-out a tool consent withdrew
    receipt: object | None = None  # the receipt of what was just answered


def answer_form(
    *,
    actor: Account,
    form: ConsentForm,
    student: Student,
    answer: Answer,
    method: AnswerMethod = AnswerMethod.WEB,
    on_behalf_of: Guardian | None = None,
    note: str = "",
    received_on: date | None = None,
    now: datetime | None = None,
) -> Outcome:
    """Record one guardian's answer for one child. A guardian answers on the web for
    themselves, while the window is open; staff enter the paper or phone answer of the
    guardian `on_behalf_of`, received while it was open (`received_on`, default today), even
    after it closed, and the guardian is emailed what was recorded. The more protective answer
    of the guardians stands."""
    now = now or clock.now()
    today = clock.today(now)
    if answers_on_the_web(actor):
        guardian, method, entered_by = actor.guardian, AnswerMethod.WEB, None
        on_behalf_of = None
    elif may_record_for(actor, student.id):
        if method is AnswerMethod.WEB:
            raise ConsentFormError(_l("Say whether the answer came on paper or by phone."))
        guardian, entered_by = on_behalf_of, actor.id
    else:
        raise ConsentFormError(
            _l(
                "You can record a request only for a student you teach, a student of your "
                "school, or, for the privacy office, any student."
            )
        )
    answer, method = Answer(answer), AnswerMethod(method)
    if form.status is not FormStatus.PUBLISHED or not student_in_scope(form, student.id):
        raise ConsentFormError(_l("This form is not for this child."))
    if entered_by is None:
        check_open(form, today)
    else:
        received_on = received_on or today
        check_received(form, received_on, today)
    holders = deciding_guardians(student.id)
    if guardian is None or guardian.id not in {g.id for g in holders}:
        raise ConsentFormError(
            _l("Only a parent or guardian with rights for this child can answer.")
        )
    note = (note or "").strip()
    if entered_by is not None and received_on < today:
        _check_not_superseded(form, student, guardian, received_on)
        with district_language():
            received = str(_l("Received on %(day)s.", day=format_date(received_on, "long")))
        note = f"{received} {note}".strip()

    version = latest_version(form)
    given = ConsentAnswerEvent(
        form_id=form.id,
        student_id=student.id,
        guardian_id=guardian.id,
        answer=answer,
        version_id=version.id,
        method=method,
        entered_by_account_id=entered_by,
        at=now,
        note=note,
    )
    db.session.add(given)
    db.session.flush()
    receipt = issue_for_answer(given, form=form, version=version)

    latest = _latest_by_guardian(form.id, student.id, {g.id for g in holders})
    in_force = answer_in_force(e.answer for e in latest.values())
    source = max((e for e in latest.values() if e.answer is in_force), key=lambda e: e.id)
    current = _set_in_force(form, student, source)
    enqueue(
        WebhookEvent.CONSENT_ANSWER_CHANGED,
        {
            "form_id": form.id,
            "student_sourced_id": student.sourced_id,
            "answer_given": answer.value,
            "answer_in_force": in_force.value,
            "method": method.value,
            "at": stamp(now),
        },
        school_id=student.school_id,
    )
    disagreement = len({e.answer for e in latest.values()}) > 1

    action = "consentform.answer" if entered_by is None else "consentform.enter"
    record(
        actor,
        action,
        student_id=student.id,
        target=f"consentform:{form.id}",
        on_behalf_of=on_behalf_of,
    )
    if entered_by is not None:
        notify(
            template="consentform_recorded",
            link=answer_link(form.id, student.id),
            guardian=guardian,
            form=form,
            student=student,
            given=given,
            version=version,
            entered_by=actor.display_name,
            still_open=today <= form.closes_on,  # may the guardian still change it online?
            receipt=receipt,
        )
    else:
        notify(
            template="consentform_receipt",
            link=receipt_link(form.id, student.id),
            guardian=guardian,
            form=form,
            student=student,
            given=given,
            version=version,
            receipt=receipt,
            still_open=today <= form.closes_on,
        )
    if disagreement:
        by_id = {g.id: g for g in holders}
        for guardian_id in sorted(latest):
            notify(
                template="consentform_disagreement",
                link=answer_link(form.id, student.id),
                guardian=by_id[guardian_id],
                form=form,
                student=student,
                in_force=in_force,
            )
    opened = withdrawn = None
    if form.kind is FormKind.TOOL_CONSENT:
        if answer is Answer.REFUSED:
            opened = _open_optout(
                form,
                student,
                guardian,
                now,
                actor=actor,
                method=method,
                received_on=received_on if entered_by is not None else None,
            )
        elif in_force is Answer.GRANTED:
            withdrawn = _withdraw_optout(form, student, guardian, latest, actor=actor)
    db.session.flush()
    return Outcome(
        answer=current,
        given=given,
        disagreement=disagreement,
        optout=opened,
        withdrawn=withdrawn,
        receipt=receipt,
    )


@dataclass(frozen=True)
class ClassAnswer:
    """One row of a class's batch of paper answers: who answered for which child, and when."""

    student: Student
    answer: Answer
    guardian: Guardian | None
    received_on: date | None = None


def enter_class_answers(
    *,
    actor: Account,
    form: ConsentForm,
    entries,
    method: AnswerMethod = AnswerMethod.PAPER,
) -> list[Outcome]:
    """Staff enter a class's batch of paper answers, one per student. Each goes through
    `answer_form` as a single staff-entered answer (its checks, history, audit row, email to
    the guardian and any opt-out it opens); if one is refused, nothing is saved."""

    def one(entry: ClassAnswer) -> Outcome:
        return answer_form(
            actor=actor,
            form=form,
            student=entry.student,
            answer=entry.answer,
            method=method,
            on_behalf_of=entry.guardian,
            received_on=entry.received_on,
        )

    return each(
        entries,
        one,
        label=lambda entry: entry.student.full_name,
        key=lambda entry: entry.student.id,
        empty=_l("Choose yes or no for at least one student."),
    )


def _check_not_superseded(
    form: ConsentForm, student: Student, guardian: Guardian, received_on: date
) -> None:
    """A paper entered late must not overturn what the same guardian said later on: an answer
    of theirs from a day after the paper was received stands, and the paper is refused."""
    newer = db.session.scalar(
        select(func.max(ConsentAnswerEvent.at)).where(
            ConsentAnswerEvent.form_id == form.id,
            ConsentAnswerEvent.student_id == student.id,
            ConsentAnswerEvent.guardian_id == guardian.id,
            ConsentAnswerEvent.at >= clock.day_start(received_on + timedelta(days=1)),
        )
    )
    if newer is not None:
        raise ConsentFormError(
            _l(
                "%(name)s gave a newer answer on %(day)s, after this one was received. The "
                "newer answer stands, so this one was not recorded.",
                name=guardian.full_name,
                day=format_date(clock.today(newer), "long"),
            )
        )


def _latest_by_guardian(form_id: int, student_id: int, guardian_ids: set[int]) -> dict:
    """Each rights-holding guardian's latest answer for the child on this form."""
    newest = (
        select(func.max(ConsentAnswerEvent.id))
        .where(
            ConsentAnswerEvent.form_id == form_id,
            ConsentAnswerEvent.student_id == student_id,
            ConsentAnswerEvent.guardian_id.in_(guardian_ids),
        )
        .group_by(ConsentAnswerEvent.guardian_id)
    )
    events = db.session.scalars(
        select(ConsentAnswerEvent).where(ConsentAnswerEvent.id.in_(newest))
    ).unique()
    return {e.guardian_id: e for e in events}


def _set_in_force(form: ConsentForm, student: Student, source: ConsentAnswerEvent):
    fields = {
        "answer": source.answer,
        "version_id": source.version_id,
        "guardian_id": source.guardian_id,
        "method": source.method,
        "entered_by_account_id": source.entered_by_account_id,
        "answered_at": source.at,
    }
    current = _in_force_row(form.id, student.id)
    if current is None:
        try:
            # A second guardian answering at the same moment loses to the unique constraint.
            with db.session.begin_nested():
                current = ConsentAnswer(form_id=form.id, student_id=student.id, **fields)
                db.session.add(current)
                db.session.flush()
            return current
        except IntegrityError:
            current = _in_force_row(form.id, student.id)
    for name, value in fields.items():
        setattr(current, name, value)
    db.session.flush()
    db.session.refresh(current)
    return current


def _in_force_row(form_id: int, student_id: int) -> ConsentAnswer | None:
    return db.session.scalar(
        select(ConsentAnswer)
        .where(ConsentAnswer.form_id == form_id, ConsentAnswer.student_id == student_id)
        .with_for_update(of=ConsentAnswer)
    )


def _open_optout(
    form: ConsentForm,
    student: Student,
    guardian: Guardian,
    now: datetime,
    *,
    actor: Account,
    method: AnswerMethod,
    received_on: date | None,
):
    """A refused tool consent is acted on: when the child uses the tool, an opt-out request is
    filed (or joined) and routed to the teachers and principal as usual. A refusal staff
    entered from paper or phone opens it as staff recording it for the guardian."""
    tool = form.tool
    today = clock.today(now)
    uses = tools_for_student(student, current_sections(student.id, today), today)
    if all(use.tool.id != tool.id for use in uses):
        return None
    labels = [o.label for o in tool.optout_options]
    if not labels:
        return None
    # The child does not use the tool: "alternative activity" where the tool offers it.
    accommodation = next((x for x in labels if x.lower().startswith("alternative")), labels[0])
    with district_language():
        reason = str(_l("Consent refused on the form “%(title)s”.", title=form.title))
    try:
        filing = optouts.file_optout(
            actor=actor,
            **_for_guardian(actor, guardian, method, received_on),
            student=student,
            tool=tool,
            feature="",
            accommodation=accommodation,
            reason=reason,
            now=now,
        )
    except OptOutError:
        return None
    return filing.optout


def _for_guardian(
    actor: Account, guardian: Guardian, method: AnswerMethod, received_on: date | None
) -> dict:
    """A guardian answering on the web acts for themselves; staff act on the guardian's behalf,
    by the channel the answer came in."""
    if answers_on_the_web(actor):
        return {}
    return {
        "on_behalf_of": guardian,
        "channel": Channel(method.value),
        "received_on": received_on,
    }


def _withdraw_optout(
    form: ConsentForm, student: Student, guardian: Guardian, latest: dict, *, actor: Account
) -> OptOut | None:
    """The answer in force became consent: the child's whole-tool opt-out (the one a refusal
    opened, or one the consenting guardians filed themselves) is withdrawn through the opt-outs'
    own withdrawal, which tells the teachers and the guardians. A guardian who asked for it
    without answering the form keeps it standing (the more protective choice). A confirmed
    opt-out is withdrawn too: the family said yes to the tool, and the teachers learn the
    accommodation has ended; a closed or withdrawn one has already ended. Feature opt-outs
    (camera off, no recording) fit with consent to the tool and stay."""
    optout = db.session.scalar(
        select(OptOut).where(
            OptOut.student_id == student.id,
            OptOut.tool_id == form.tool_id,
            OptOut.feature == "",
            OptOut.status.in_(ACTIVE_STATUSES),
        )
    )
    if optout is None:
        return None
    # Only consent given after the guardian asked for the opt-out speaks for them: an earlier
    # "yes" followed by a request means the request is what they want now.
    joined = dict(
        db.session.execute(
            select(OptOutRequester.guardian_id, OptOutRequester.joined_at).where(
                OptOutRequester.optout_id == optout.id
            )
        ).all()
    )
    consenting = [
        g
        for g in optouts.requesting_guardians(optout)
        if g.id in latest
        and latest[g.id].answer is Answer.GRANTED
        and latest[g.id].at > joined.get(g.id, latest[g.id].at)
    ]
    if not consenting:
        return None
    leader = next((g for g in consenting if g.id == guardian.id), consenting[0])
    with district_language():
        note = str(_l("Consent given on the form “%(title)s”.", title=form.title))
    ended = optouts.withdraw(
        actor=actor,
        on_behalf_of=None if answers_on_the_web(actor) else leader,
        optout=optout,
        along=[g.id for g in consenting],
        note=note,
    )
    return optout if ended else None


# --- the school year rolled over: last year's forms become next year's drafts ----------------


def copy_as_draft(
    *, actor: Account | None, form: ConsentForm, school_year: str, opens_on: date, closes_on: date
) -> ConsentForm:
    """A draft for `school_year` with the form's kind, mode, tool, scope and latest text, for the
    office to review and publish; the answers stay with the old form. `actor` is None when the
    service rolls the year over."""
    copy = ConsentForm(
        school_year=school_year,
        kind=form.kind,
        mode=form.mode,
        title=form.title,
        opens_on=opens_on,
        closes_on=closes_on,
        tool_id=form.tool_id,
        status=FormStatus.DRAFT,
        created_by_account_id=actor.id if actor else None,
        schools=list(form.schools),
        grade_rows=[ConsentFormGrade(grade=g) for g in form.grades],
    )
    db.session.add(copy)
    db.session.flush()
    source = latest_version(form)
    version = ConsentFormVersion(
        form_id=copy.id,
        number=1,
        text=source.text,
        created_by_account_id=actor.id if actor else None,
    )
    db.session.add(version)
    db.session.flush()
    # The same words in the other languages too: the copy says what the form said.
    texts.copy("consent_form", form.id, copy.id)
    texts.copy("consent_form_version", source.id, version.id)
    record(actor, "consentform.copy", target=f"consentform:{copy.id}", as_service=actor is None)
    return copy

"""The review committee's pages (issue 14), on the vetting blueprint: the office names reviewers,
keeps the rubric, assigns reviewers to a request and reads the backlog report; a reviewer lists
and reviews the requests assigned to them; the requester answers the office's question.
Each view: gate, load through consent.access, validate, one operation, one commit, redirect."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from consent.access import (
    allowed_or_404,
    deny,
    is_reviewer,
    may_answer_question,
    may_assign_reviewers,
    may_decide_vetting,
    may_keep_rubric,
    may_name_reviewers,
    may_review,
    may_see_vetting_report,
    reviewer_account_or_404,
    rubric_item_or_404,
    vetting_request_or_404,
)
from consent.accounts.models import Account
from consent.core.gates import STAFF, roles_required
from consent.core.transaction import run
from consent.roster.models import Staff
from consent.vetting import review, review_queries, rubric
from consent.vetting.committee.models import Rating, Recommendation
from consent.vetting.models import RequestStatus
from consent.vetting.review_forms import (
    AnswerForm,
    AssignForm,
    DutyForm,
    InTurnForm,
    MoveForm,
    RubricItemForm,
    WithdrawQuestionForm,
    review_form,
)
from consent.vetting.views import _page, bp

# --- reviewers ---------------------------------------------------------------------------------


def _staff_accounts():
    return (
        select(Account)
        .join(Staff, Staff.id == Account.staff_id)
        .where(Account.active.is_(True))
        .order_by(Account.privacy_reviewer.desc(), Staff.family_name, Staff.given_name, Account.id)
    )


@bp.get("/vetting/reviewers")
@roles_required(*STAFF)
def reviewers():
    """Who has the privacy-reviewer duty; the office gives it to staff accounts or takes it."""
    allowed_or_404(current_user, may_name_reviewers, target="vetting:reviewers")
    page = _page(_staff_accounts())
    return render_template("vetting/review_reviewers.html", page=page, form=DutyForm())


@bp.post("/vetting/reviewers/<int:account_id>")
@roles_required(*STAFF)
def reviewer_duty(account_id: int):
    account = reviewer_account_or_404(current_user, account_id)
    form = DutyForm()
    if form.validate_on_submit():
        on = request.form.get("on") == "1"
        if run(review.set_reviewer_duty, account=account, on=on):
            flash(
                _("%(name)s now reviews vetting requests.", name=account.display_name)
                if on
                else _("%(name)s no longer reviews vetting requests.", name=account.display_name),
                "success",
            )
    return redirect(url_for("vetting.reviewers", page=request.args.get("page", 1, type=int)))


# --- the rubric --------------------------------------------------------------------------------


@bp.route("/vetting/rubric", methods=["GET", "POST"])
@roles_required(*STAFF)
def rubric_page():
    allowed_or_404(current_user, may_keep_rubric, target="vetting:rubric")
    form = RubricItemForm()
    if form.validate_on_submit() and run(
        rubric.add_item, show_on=form.title, title=form.title.data, guidance=form.guidance.data
    ):
        flash(_("Item added to the rubric."), "success")
        return redirect(url_for("vetting.rubric_page"))
    return render_template(
        "vetting/review_rubric.html", items=rubric.all_items(), form=form, move=MoveForm()
    )


@bp.route("/vetting/rubric/<int:rubric_item_id>", methods=["GET", "POST"])
@roles_required(*STAFF)
def rubric_item(rubric_item_id: int):
    item = rubric_item_or_404(current_user, rubric_item_id)
    form = RubricItemForm(obj=item) if request.method == "GET" else RubricItemForm()
    if form.validate_on_submit() and run(
        rubric.rename_item,
        show_on=form.title,
        item=item,
        title=form.title.data,
        guidance=form.guidance.data or "",
    ):
        flash(_("Rubric item saved."), "success")
        return redirect(url_for("vetting.rubric_page"))
    return render_template("vetting/review_rubric_item.html", item=item, form=form)


@bp.post("/vetting/rubric/<int:rubric_item_id>/up", defaults={"change": "up"})
@bp.post("/vetting/rubric/<int:rubric_item_id>/down", defaults={"change": "down"})
@bp.post("/vetting/rubric/<int:rubric_item_id>/retire", defaults={"change": "retire"})
@roles_required(*STAFF)
def rubric_change(rubric_item_id: int, change: str):
    item = rubric_item_or_404(current_user, rubric_item_id)
    if MoveForm().validate_on_submit():
        if change == "retire":
            if run(rubric.retire_item, item=item):
                flash(_("Item retired. Reviews that used it keep their finding."), "success")
        else:
            run(rubric.move_item, item=item, up=change == "up")
    return redirect(url_for("vetting.rubric_page"))


# --- assigning reviewers -----------------------------------------------------------------------


@bp.route("/vetting/<int:request_id>/assign", methods=["GET", "POST"])
@roles_required(*STAFF)
def assign(request_id: int):
    allowed_or_404(
        current_user, may_assign_reviewers, target=f"vetting_request:{request_id}:assign"
    )
    vetting_request = vetting_request_or_404(current_user, request_id)
    back = redirect(url_for("vetting.detail", request_id=vetting_request.id))
    if vetting_request.status not in (RequestStatus.SUBMITTED, RequestStatus.IN_REVIEW):
        flash(_("Reviewers can be assigned only while a request is being reviewed."), "error")
        return back
    pool = review.reviewers()
    current = review_queries.reviews_in_full(vetting_request)
    already = {r.reviewer_account_id for r in current}
    form = AssignForm().for_reviewers(pool, already=already)
    if form.validate_on_submit():
        by_id = {str(a.id): a for a in pool}
        chosen = [by_id[value] for value in form.reviewers.data if value in by_id]
        if len(chosen) != len(form.reviewers.data or []):
            form.reviewers.errors = [*form.reviewers.errors, _("Choose reviewers from the list.")]
        elif run(
            review.assign_reviewers, show_on=form.reviewers, request=vetting_request, chosen=chosen
        ):
            flash(_("Reviewers assigned. Each one has been emailed."), "success")
            return back
    return render_template(
        "vetting/review_assign.html",
        vetting_request=vetting_request,
        form=form,
        in_turn=InTurnForm(),
        current=current,
        next_in_turn=review.next_in_turn(vetting_request),
    )


@bp.post("/vetting/<int:request_id>/assign-in-turn")
@roles_required(*STAFF)
def assign_in_turn(request_id: int):
    allowed_or_404(
        current_user, may_assign_reviewers, target=f"vetting_request:{request_id}:assign"
    )
    vetting_request = vetting_request_or_404(current_user, request_id)
    if InTurnForm().validate_on_submit() and run(review.assign_in_turn, request=vetting_request):
        flash(_("Reviewers assigned. Each one has been emailed."), "success")
        return redirect(url_for("vetting.detail", request_id=vetting_request.id))
    return redirect(url_for("vetting.assign", request_id=vetting_request.id))


# --- a reviewer's work -------------------------------------------------------------------------


@bp.get("/vetting/assigned")
@roles_required(*STAFF)
def assigned():
    """The requests assigned to me for review."""
    allowed_or_404(current_user, is_reviewer, target="vetting:assigned")
    page = _page(review_queries.assigned_to(current_user))
    mine = review_queries.own_reviews(current_user, [r.id for r in page.items])
    return render_template("vetting/review_assigned.html", page=page, mine=mine)


@bp.route("/vetting/<int:request_id>/review", methods=["GET", "POST"])
@roles_required(*STAFF)
def review_page(request_id: int):
    vetting_request = vetting_request_or_404(current_user, request_id)
    if not may_review(current_user, vetting_request):
        deny(current_user, f"vetting_request:{request_id}:review")
    back = redirect(url_for("vetting.detail", request_id=vetting_request.id))
    if vetting_request.status is not RequestStatus.IN_REVIEW:
        flash(_("This request is not being reviewed now."), "error")
        return back
    rubric.ensure_default_rubric()
    items = rubric.current_items()
    mine = review.own_review(current_user, vetting_request)
    form = review_form(
        items, formdata=request.form if request.method == "POST" else None, review=mine
    )
    if form.validate_on_submit():
        answers = [
            review.FindingAnswer(
                item_id=item.id,
                rating=Rating(form[f"rating_{item.id}"].data),
                note=form[f"note_{item.id}"].data or "",
            )
            for item in items
        ]
        recorded = run(
            review.submit_review,
            show_on=form,
            request=vetting_request,
            findings=answers,
            recommendation=Recommendation(form.recommendation.data),
            note=form.note.data or "",
        )
        if recorded:
            flash(_("Your review is recorded. The privacy office will see it."), "success")
            return back
    return render_template(
        "vetting/review_form.html",
        vetting_request=vetting_request,
        form=form,
        questions=review.questions_of(vetting_request),
    )


# --- the requester's answer ---------------------------------------------------------------------


@bp.route("/vetting/<int:request_id>/question/withdraw", methods=["GET", "POST"])
@roles_required(*STAFF)
def withdraw_question(request_id: int):
    """The office takes back a question nobody will answer, after a confirmation."""
    allowed_or_404(current_user, may_decide_vetting, target=f"vetting_request:{request_id}:ask")
    vetting_request = vetting_request_or_404(current_user, request_id)
    back = redirect(url_for("vetting.detail", request_id=vetting_request.id))
    question = review.open_question(vetting_request)
    if vetting_request.status is not RequestStatus.MORE_INFORMATION or question is None:
        flash(_("There is no question waiting for an answer."), "error")
        return back
    form = WithdrawQuestionForm()
    if form.validate_on_submit() and run(
        review.withdraw_question, show_on=form, request=vetting_request
    ):
        flash(_("The question is withdrawn and the request is back in review."), "success")
        return back
    return render_template(
        "vetting/withdraw_question.html",
        vetting_request=vetting_request,
        question=question,
        form=form,
    )


@bp.route("/vetting/<int:request_id>/answer", methods=["GET", "POST"])
@roles_required(*STAFF)
def answer(request_id: int):
    vetting_request = vetting_request_or_404(current_user, request_id)
    if not may_answer_question(current_user, vetting_request):
        deny(current_user, f"vetting_request:{request_id}:answer")
    back = redirect(url_for("vetting.detail", request_id=vetting_request.id))
    question = review.open_question(vetting_request)
    if vetting_request.status is not RequestStatus.MORE_INFORMATION or question is None:
        flash(_("There is no question waiting for your answer."), "error")
        return back
    form = AnswerForm()
    if form.validate_on_submit() and run(
        review.answer_question,
        show_on=form.answer,
        request=vetting_request,
        answer=form.answer.data,
    ):
        flash(_("Thank you. Your answer went to the reviewers."), "success")
        return back
    return render_template(
        "vetting/review_answer.html", vetting_request=vetting_request, question=question, form=form
    )


# --- the office's report -----------------------------------------------------------------------


@bp.get("/vetting/report")
@roles_required(*STAFF)
def report():
    """The review backlog, and how long requests take to be decided."""
    allowed_or_404(current_user, may_see_vetting_report, target="vetting:report")
    return render_template("vetting/review_report.html", backlog=review_queries.backlog())

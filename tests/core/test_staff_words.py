"""Staff read staff words: "Needs your consent" is the family's phrase, not the office's
(issue 15 item 9)."""

import html
import re

from sqlalchemy import select

from consent.consentforms.models import ConsentForm
from consent.extensions import db


def test_the_office_sets_a_legal_basis_in_staff_words(as_, demo):
    page = as_("lee").get(f"/tools/{demo.tools['flip']}/edit").get_data(as_text=True)
    assert "Parent consent required" in page
    assert "Needs your consent" not in page


def test_a_family_reads_the_same_basis_as_their_own_decision(as_, demo):
    page = as_("patricia").get(f"/students/{demo.students['olivia']}").get_data(as_text=True)
    assert "Needs your consent" in page  # Flip, in Olivia's English 7
    assert "Parent consent required" not in page


def test_a_consent_form_says_how_answers_work_to_staff_in_staff_words(app, as_):
    with app.app_context():
        form_id = db.session.scalar(select(ConsentForm.id).order_by(ConsentForm.id))
    page = as_("lee").get(f"/consent-forms/{form_id}").get_data(as_text=True)
    shown = re.search(r"<dt>How answers work</dt><dd>(.*?)</dd>", page).group(1)
    assert html.unescape(shown) == "Opt-in: only with the family's yes"

"""The public catalog: approved tools, what each collects and its agreement, for anyone, as a
page, as JSON and as CSV."""

import csv
import io
from datetime import timedelta

from consent.accounts.models import Account
from consent.catalog.models import LegalBasis, Tool, VettingStatus
from consent.core import clock
from consent.extensions import db
from consent.vetting import operations as vetting
from consent.vetting.models import RequestStatus
from tests.catalog.helpers import form_of
from tests.vetting.committee import COMMITTEE, assign, record_review
from tests.vetting.helpers import request_form

APPROVED = {"Google Classroom", "Zoom", "Seesaw", "Khan Academy", "Nearpod", "Flip"}


def retire_flip_and_lapse_zoom(app, demo):
    with app.app_context():
        db.session.get(Tool, demo.tools["flip"]).vetting_status = VettingStatus.NOT_APPROVED
        db.session.get(
            Tool, demo.tools["seesaw"]
        ).vetting_status = VettingStatus.APPROVED_WITH_CONDITIONS
        zoom = db.session.get(Tool, demo.tools["zoom"])
        zoom.agreement_expires_on = clock.today() - timedelta(days=2)
        db.session.commit()
        db.session.remove()


def test_the_page_lists_approved_tools_without_sign_in(app, browser, demo):
    retire_flip_and_lapse_zoom(app, demo)
    answer = browser.get("/catalog")
    page = answer.get_data(as_text=True)
    assert answer.status_code == 200
    for name in APPROVED - {"Flip"}:
        assert f">{name} <" in page
    assert ">Flip <" not in page
    assert "Approved with conditions" in page
    assert "video and audio of live lessons" in page
    assert "Ended" in page  # Zoom's agreement passed its end date
    assert "Agreement being negotiated" in page  # Khan Academy
    assert "Sign in" in page  # nobody is signed in


def test_json_has_the_same_tools_and_agreement_states(app, browser, demo):
    retire_flip_and_lapse_zoom(app, demo)
    answer = browser.get("/catalog.json")
    assert answer.status_code == 200 and answer.mimetype == "application/json"
    tools = {t["name"]: t for t in answer.get_json()["tools"]}
    assert set(tools) == APPROVED - {"Flip"}
    assert tools["Zoom"]["agreement_status"] == "expired"
    assert tools["Google Classroom"]["agreement_status"] == "signed"
    assert tools["Khan Academy"]["agreement_status"] == "negotiating"
    assert tools["Seesaw"]["vetting_status"] == "approved_with_conditions"
    assert {"category": "Other", "note": "video and audio of live lessons"} in tools["Zoom"][
        "data_categories"
    ]
    assert tools["Zoom"]["privacy_policy_url"].startswith("https://")


def test_csv_streams_one_row_per_approved_tool(app, browser, demo):
    retire_flip_and_lapse_zoom(app, demo)
    answer = browser.get("/catalog.csv")
    assert answer.status_code == 200 and answer.mimetype == "text/csv"
    assert answer.is_streamed
    assert "attachment" in answer.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(answer.get_data(as_text=True))))
    assert {r["name"] for r in rows} == APPROVED - {"Flip"}
    zoom = next(r for r in rows if r["name"] == "Zoom")
    assert zoom["agreement_status"] == "expired"
    assert "Other: video and audio of live lessons" in zoom["data_categories"]


def test_an_empty_catalog_says_so(app, browser):
    with app.app_context():
        for tool in db.session.query(Tool):
            tool.vetting_status = VettingStatus.PENDING
        db.session.commit()
        db.session.remove()
    assert "No tools are approved right now." in browser.get("/catalog").get_data(as_text=True)
    assert browser.get("/catalog.json").get_json()["tools"] == []


def public_names(browser) -> tuple[str, set[str], set[str]]:
    """The public page, and the tool names in the JSON and the CSV."""
    page = browser.get("/catalog").get_data(as_text=True)
    json_names = {t["name"] for t in browser.get("/catalog.json").get_json()["tools"]}
    rows = csv.DictReader(io.StringIO(browser.get("/catalog.csv").get_data(as_text=True)))
    return page, json_names, {r["name"] for r in rows}


def test_an_approved_tool_is_published_only_once_it_says_what_it_collects(app, browser, as_, demo):
    """An approval makes a catalog entry with no data categories yet; families never see a tool
    with an empty "what it collects": it joins the public list when the office fills it in."""
    with app.app_context():
        request = vetting.submit_request(
            actor=db.session.get(Account, demo.accounts["johnson"]), **request_form()
        )
        assign(demo, request.id)  # the committee reviews it before the office decides
        for persona in COMMITTEE:
            record_review(demo, request.id, persona)
        tool = vetting.decide(
            actor=db.session.get(Account, demo.accounts["lee"]),
            request=request,
            decision=RequestStatus.APPROVED,
            legal_basis=LegalBasis.SCHOOL_OFFICIAL,
        )
        db.session.commit()
        tool_id = tool.id
        db.session.remove()
    page, json_names, csv_names = public_names(browser)
    assert ">Kahoot! <" not in page
    assert "Kahoot!" not in json_names and "Kahoot!" not in csv_names
    assert json_names == csv_names == APPROVED

    lee = as_("lee")
    staff_list = lee.get("/tools?q=kahoot").get_data(as_text=True)
    assert "Kahoot!" in staff_list
    assert "Not shown to families until its data categories are filled in" in staff_list
    assert "Not shown to families" not in lee.get("/tools?q=zoom").get_data(as_text=True)

    with app.app_context():
        payload = form_of(
            db.session.get(Tool, tool_id),
            categories={"Student Name": "a nickname chosen for each game"},
            options=["Alternative activity"],
        )
        db.session.remove()
    assert lee.post(f"/tools/{tool_id}/edit", payload).status_code == 302
    page, json_names, csv_names = public_names(browser)
    assert ">Kahoot! <" in page and "a nickname chosen for each game" in page
    assert json_names == csv_names == APPROVED | {"Kahoot!"}
    assert "Not shown to families" not in lee.get("/tools?q=kahoot").get_data(as_text=True)

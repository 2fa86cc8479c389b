"""The public catalog: approved tools, what each collects and its agreement, for anyone, as a
page, as JSON and as CSV."""

import csv
import io
from datetime import timedelta

from consent.catalog.models import Tool, VettingStatus
from consent.extensions import db
from consent.schoolcalendar.operations import district_today

APPROVED = {"Google Classroom", "Zoom", "Seesaw", "Khan Academy", "Nearpod", "Flip"}


def retire_flip_and_lapse_zoom(app, demo):
    with app.app_context():
        db.session.get(Tool, demo.tools["flip"]).vetting_status = VettingStatus.NOT_APPROVED
        db.session.get(
            Tool, demo.tools["seesaw"]
        ).vetting_status = VettingStatus.APPROVED_WITH_CONDITIONS
        zoom = db.session.get(Tool, demo.tools["zoom"])
        zoom.agreement_expires_on = district_today() - timedelta(days=2)
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

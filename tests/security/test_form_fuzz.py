"""ASVS 13.4 / 16.5: whatever is typed into any form — huge, empty, control characters, another
script, SQL, wrong types — the answer is a page (a message, a refusal), never a server error,
a traceback, SQL or a secret. Hypothesis drives every form found in the URL map."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from consent.accounts.invitations import guardians_to_invite, make_token
from consent.accounts.models import Account
from consent.accounts.operations import make_reset_token
from consent.extensions import db
from consent.optouts.models import OptOut, Task
from tests.security.routes import form_defaults, rules, sample_ids, url_for_rule
from tests.support import FROM_SESSION, PERSONAS, PROBE_COUNTS, Browser

FUZZ_PERSONAS = ("lee", "brooks", "patel", "johnson", "maria", "anonymous")
NOT_FUZZED = {"accounts.signout"}  # takes no input; posting it only signs the fuzzer out
LEAKS = ("Traceback", "sqlalchemy", "psycopg", "sqlite3", "IntegrityError", "test-secret-key")
TRICKY = st.sampled_from(
    [
        "",
        " ",
        "0",
        "-1",
        "9" * 40,
        "1e309",
        "2026-02-30",
        "1900-01-01",
        "9999-12-31",
        "'; DROP TABLE student; --",
        "%s%s%n",
        "{{ 7*7 }}",
        "../../etc/passwd",
        "\x00",
        "a\x00b",
        "\ud7ff\ue000",
        "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 👩‍👧",
        "x" * 100_000,
        "https://evil.example/",
        "javascript:alert(1)",
    ]
)
VALUES = st.one_of(TRICKY, st.text(max_size=300), st.integers().map(str))


def real_tokens(app) -> dict[str, str]:
    """Working links for the token pages, so their forms are reached rather than refused."""
    with app.app_context():
        maria = db.session.scalar(select(Account).where(Account.email == PERSONAS["maria"]))
        uninvited = db.session.scalars(guardians_to_invite()).first()
        tokens = {
            "accounts.reset_password": make_reset_token(maria),
            "accounts.accept_invitation": make_token(guardian=uninvited),
        }
        db.session.remove()
    return tokens


def forms(app, demo, as_):
    """(persona, url, fields) for every POST route, as a role that gets to see the form."""
    tokens = real_tokens(app)
    with app.app_context():
        task = db.session.scalar(select(Task.id).where(Task.optout_id == demo.optouts["submitted"]))
        db.session.remove()
    ids = sample_ids(
        app,
        {
            "student_id": demo.students["sofia"],
            "optout_id": demo.optouts["submitted"],
            "task_id": task,
            "section_id": demo.sections["room12"],
        },
    )
    clients = {
        persona: Browser(app.test_client()) if persona == "anonymous" else as_(persona)
        for persona in FUZZ_PERSONAS
    }
    found = []
    for rule in rules(app, "POST"):
        if rule.endpoint in NOT_FUZZED:
            continue
        url = url_for_rule(rule, ids).replace("not-a-real-token", tokens.get(rule.endpoint, "x"))
        if "tool" in url or rule.endpoint == "optouts.new":
            url += f"?tool={demo.tools['seesaw']}"
        for persona, client in clients.items():
            page = client.get(url) if "GET" in rule.methods else client.get("/rights")
            if page.status_code == 200:
                html = page.get_data(as_text=True)
                fields = form_defaults(html) if "GET" in rule.methods else {}
                # The session's token: once a post has gone through (a request decided, say),
                # the form's own page may not show a form.
                token_from = FROM_SESSION if persona != "anonymous" else None
                found.append((persona, client, url, fields, token_from))
                break
    return found


def fuzz(persona: str, client: Browser, url: str, fields: dict, token_from) -> int:
    """Post the untouched form with one to three fields replaced by hostile values."""
    names = st.sampled_from([*fields, "unexpected"]) if fields else st.just("x")
    posts = 0

    @settings(
        max_examples=15,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(st.dictionaries(names, VALUES, min_size=1, max_size=3))
    def post_anything(changes):
        nonlocal posts
        values = fields | changes
        response = client.post(url, values, token_from=token_from)
        body = response.get_data(as_text=True)
        assert response.status_code < 500, (persona, url, values, body[:300])
        for leak in LEAKS:
            assert leak not in body, (persona, url, values, leak)
        posts += 1

    post_anything()
    return posts


@pytest.mark.long
def test_no_form_input_gives_a_server_error_or_leaks_internals(app, demo, as_):
    app.config["PROPAGATE_EXCEPTIONS"] = False  # answer as production does, with the 500 page
    targets = forms(app, demo, as_)
    assert len(targets) >= 12, [url for _p, _c, url, *_ in targets]
    posts = sum(fuzz(*target) for target in targets)
    PROBE_COUNTS["Fuzz: form posts answered without error or leak"] = posts


@pytest.mark.parametrize("size", [2 * 1024 * 1024])
def test_an_oversized_body_is_refused_with_413(app, as_, size):
    response = as_("maria").client.post("/signin", data={"x": "y" * size})
    assert response.status_code == 413


def test_a_nul_character_in_a_form_is_refused_and_nothing_is_saved(app, as_, demo):
    """Found by fuzzing: PostgreSQL cannot store U+0000, so a reason containing it was a 500."""
    url = f"/students/{demo.students['sofia']}/optouts/new?tool={demo.tools['seesaw']}"
    with app.app_context():
        before = db.session.scalar(select(func.count()).select_from(OptOut))
        db.session.remove()
    response = as_("maria").post(
        url,
        {
            "feature": "photos",
            "accommodation": "Post work without photos or videos of my child",
            "reason": "a\x00b",
            "send": "Send request",
        },
    )
    assert response.status_code == 400
    assert "The request could not be understood." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(OptOut)) == before
        db.session.remove()
    assert as_("lee").get("/requests?status=%00").status_code == 400

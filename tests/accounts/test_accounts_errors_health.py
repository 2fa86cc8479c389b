"""The health check, and error pages in plain words with no traceback."""

import re

import pytest

from tests.accounts.accounts_helpers import csrf_from


def request_id_shown(response) -> None:
    body = response.get_data(as_text=True)
    request_id = response.headers.get("X-Request-Id")
    assert request_id and re.fullmatch(r"[0-9a-f]{16}", request_id)
    assert f"quote this reference: {request_id}" in body


def no_internals(body: str) -> None:
    for leak in ("Traceback", 'File "', "werkzeug", "sqlalchemy", "Werkzeug Debugger"):
        assert leak not in body, leak


def test_healthz_answers_ok(browser):
    response = browser.get("/healthz")
    assert response.status_code == 200
    assert response.is_json
    assert response.get_json() == {"status": "ok"}


@pytest.mark.parametrize("size", [1024 * 1024 + 1, 3 * 1024 * 1024])
def test_an_oversized_post_gets_the_friendly_413_page(app, size):
    client = app.test_client()
    token = csrf_from(client.get("/signin").get_data(as_text=True))
    response = client.post(
        "/signin",
        data={"csrf_token": token, "email": "x" * size, "password": "x"},
    )
    assert response.status_code == 413
    body = response.get_data(as_text=True)
    assert "That is too large." in body
    assert "Please make it shorter." in body
    no_internals(body)
    request_id_shown(response)


def test_a_post_just_under_the_limit_is_not_413(app):
    client = app.test_client()
    token = csrf_from(client.get("/signin").get_data(as_text=True))
    response = client.post(
        "/signin",
        data={"csrf_token": token, "email": "x" * (1024 * 1024 - 2048), "password": "x"},
    )
    assert response.status_code == 200


@pytest.mark.parametrize("url", ["/no-such-page", "/static/nope.js", "/signin/extra"])
def test_unknown_urls_get_a_friendly_404(browser, url):
    response = browser.get(url)
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    body = response.get_data(as_text=True)
    assert "We could not find that page." in body
    no_internals(body)
    request_id_shown(response)


@pytest.mark.parametrize("url", ["/no-such-page", "/requests/999999999", "/students/999999999"])
def test_a_signed_in_404_offers_the_way_back(as_, url):
    response = as_("maria").get(url)
    assert response.status_code == 404
    body = response.get_data(as_text=True)
    assert "We could not find that page." in body
    assert 'href="/"' in body
    no_internals(body)
    request_id_shown(response)


def test_a_crash_gets_the_friendly_500_page(app, caplog):
    app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production, where TESTING is off

    @app.get("/__crash-for-test")
    def crash():
        raise RuntimeError("secret internal detail")

    response = app.test_client().get("/__crash-for-test")
    assert response.status_code == 500
    body = response.get_data(as_text=True)
    assert "Something went wrong on our side." in body
    assert "secret internal detail" not in body
    no_internals(body)
    request_id_shown(response)
    assert any(response.headers["X-Request-Id"] in r.getMessage() for r in caplog.records)

"""Integration tokens made through the operation, as the privacy office would."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from consent.accounts.models import Account
from consent.core import clock
from consent.extensions import db
from consent.integrations.models import Scope
from consent.integrations.operations import create_token

EVERY_SCOPE = tuple(scope.value for scope in Scope)


@pytest.fixture
def make_token(app, demo):
    """make_token(scopes=..., school="oakwood"|None, days=30) → the token's secret."""

    def make(scopes=EVERY_SCOPE, school: str | None = None, days: int = 30, name="SIS") -> str:
        with app.app_context():
            office = db.session.scalar(
                select(Account).where(Account.email == "privacy@demo.consent.example")
            )
            made = create_token(
                actor=office,
                name=name,
                scopes=list(scopes),
                school_id=demo.schools[school] if school else None,
                expires_on=clock.today() + timedelta(days=days),
            )
            db.session.commit()
            secret = made.secret
            db.session.remove()
        return secret

    return make


@pytest.fixture
def api(app):
    """api(secret).get(url, **params) → the response, with the token as a bearer header."""

    class Api:
        def __init__(self, secret):
            self.client = app.test_client()
            self.secret = secret

        def get(self, url, **params):
            headers = {"Authorization": f"Bearer {self.secret}"} if self.secret else {}
            return self.client.get(url, query_string=params, headers=headers)

    return Api

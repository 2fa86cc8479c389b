"""The language tests run with Spanish offered, as a district has it by default."""

import pytest


@pytest.fixture(autouse=True)
def spanish_offered(app):
    app.config["LANGUAGES"] = ("en", "es")

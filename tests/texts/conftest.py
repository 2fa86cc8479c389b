"""The translation tests run with Spanish offered, as the district has it by default."""

import pytest


@pytest.fixture(autouse=True)
def spanish_offered(app):
    app.config["LANGUAGES"] = ("en", "es")

from tests.api.conftest import api, make_token  # noqa: F401

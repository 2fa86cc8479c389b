from tests.api.conftest import api, make_token  # noqa: F401
from tests.browser.test_journey import chromium, page  # noqa: F401

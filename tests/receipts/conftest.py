"""The receipts tests reuse the consent-form fixtures (forms made through the operations, the
emails one worker pass delivers to the loopback SMTP server) and the browser fixtures."""

from tests.consentforms.conftest import account, deliver, make_form  # noqa: F401

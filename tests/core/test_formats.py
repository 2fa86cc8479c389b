"""One way to say a day, a time and a language everywhere, in the reader's locale."""

from datetime import UTC, datetime

from flask import render_template_string
from flask_babel import force_locale


def _render(app, source: str, **values) -> str:
    with app.test_request_context("/"):
        return render_template_string(source, **values)


def test_a_moment_reads_to_the_minute_in_the_districts_zone(app):
    moment = datetime(2026, 11, 26, 20, 4, 5, tzinfo=UTC)  # 3:04:05 PM in New York
    assert _render(app, "{{ m|moment }}", m=moment).replace("\u202f", " ") == (
        "Nov 26, 2026, 3:04 PM"
    )


def test_a_moment_in_spanish(app):
    moment = datetime(2026, 11, 26, 20, 4, 5, tzinfo=UTC)
    with app.test_request_context("/"), force_locale("es"):
        shown = render_template_string("{{ m|moment }}", m=moment)
    assert shown.startswith("26 nov 2026") and ":05" not in shown


def test_a_home_language_is_named_not_coded(app):
    assert _render(app, "{{ 'es'|language }} / {{ ''|language }}") == "Spanish / Not known"

"""The request list's long selects (600 tools, 210 schools) are built in one pass; a browser
must get exactly what WTForms' own select would have sent."""

from wtforms import Form, SelectChoice, SelectField
from wtforms.widgets import Select

from consent.optouts.forms import LongSelect


class _Filters(Form):
    tool = SelectField("Tool", default="", widget=LongSelect())
    plain = SelectField("Tool", default="", widget=Select())


def _both(chosen: str) -> tuple[str, str]:
    choices = [
        SelectChoice("", "Any tool"),
        SelectChoice("7", 'Kahoot! <"quiz"> & more'),
        SelectChoice("12", "Zoom"),
    ]
    form = _Filters(data={"tool": chosen, "plain": chosen})
    form.tool.choices = form.plain.choices = choices
    ours = str(form.tool()).replace('"tool"', '"plain"')
    return ours, str(form.plain())


def test_the_same_html_as_wtforms_with_a_choice_made_and_markup_in_a_name():
    ours, theirs = _both("7")
    assert ours == theirs
    assert '<option selected value="7">Kahoot! &lt;&#34;quiz&#34;&gt; &amp; more</option>' in ours


def test_the_same_html_as_wtforms_with_nothing_chosen():
    ours, theirs = _both("")
    assert ours == theirs
    assert ours.count("selected") == 1  # "Any tool", the default

"""The request list's long selects (600 tools, 210 schools) are built in one pass; a browser
must get exactly what WTForms' own select would have sent."""

from wtforms import Form, SelectChoice, SelectField
from wtforms.widgets import Select

from consent.optouts.forms import LongSelect, LongSelectField, long_choices


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


class _Checked(Form):
    ours = LongSelectField("Tool", default="")
    theirs = SelectField("Tool", default="")


def _valid(sent: str) -> tuple[bool, bool]:
    form = _Checked(data={"ours": sent, "theirs": sent})
    choices = long_choices("Any tool", [(7, "Kahoot!"), (12, "Zoom")])
    form.ours.choices = form.theirs.choices = choices
    form.validate()
    return "ours" not in form.errors, "theirs" not in form.errors


def test_a_value_is_accepted_or_refused_as_wtforms_would():
    assert _valid("") == (True, True)
    assert _valid("12") == (True, True)
    assert _valid("13") == (False, False)
    assert _valid("12 ") == (False, False)


def test_the_options_kept_for_the_next_page_follow_the_choice_and_the_names():
    form = _Checked(data={"ours": "7"})
    form.ours.choices = long_choices("Any tool", [(7, "Kahoot!"), (12, "Zoom")])
    assert '<option selected value="7">Kahoot!</option>' in str(form.ours())
    form = _Checked(data={"ours": "12"})
    form.ours.choices = long_choices("Any tool", [(7, "Kahoot!"), (12, "Zoom")])
    assert '<option value="7">Kahoot!</option><option selected value="12">Zoom</option>' in str(
        form.ours()
    )
    form.ours.choices = long_choices("Cualquier herramienta", [(7, "Kahoot! 2"), (12, "Zoom")])
    html = str(form.ours())
    assert ">Cualquier herramienta<" in html and ">Kahoot! 2<" in html

"""What a translation page shows, and what is still missing per language."""

from dataclasses import dataclass

from sqlalchemy import and_, func, literal, select, union_all
from sqlalchemy.orm import aliased

from consent.catalog.models import Tool, ToolDataCategory, ToolFeature, ToolOptOutOption
from consent.consentforms.models import ConsentForm, ConsentFormVersion
from consent.extensions import db
from consent.texts.models import DistrictText, kind_of


@dataclass(frozen=True)
class Entry:
    """One text to translate: where it lives, what it says in English, and its translation."""

    kind: str
    row_id: int
    field: str
    english: str
    translation: str
    #: For the page: what the text is ("What it is for", "Feature", ...), and which item.
    part: str
    item: str = ""

    @property
    def key(self) -> str:
        return f"t_{self.kind}_{self.row_id}_{self.field}"


def _existing(rows: list[tuple[object, str]], language: str) -> dict[tuple[str, int, str], str]:
    wanted: dict[str, set[int]] = {}
    for obj, _field in rows:
        wanted.setdefault(kind_of(obj), set()).add(obj.id)
    if not wanted:
        return {}
    found = db.session.execute(
        select(DistrictText.kind, DistrictText.row_id, DistrictText.field, DistrictText.text).where(
            DistrictText.language == language,
            DistrictText.kind.in_(list(wanted)),
            DistrictText.row_id.in_(sorted(set().union(*wanted.values()))),
        )
    )
    return {(kind, row_id, field): text for kind, row_id, field, text in found}


def _entries(rows: list[tuple[object, str, str, str]], language: str) -> list[Entry]:
    existing = _existing([(obj, field) for obj, field, _p, _i in rows], language)
    return [
        Entry(
            kind=kind_of(obj),
            row_id=obj.id,
            field=field,
            english=getattr(obj, field) or "",
            translation=existing.get((kind_of(obj), obj.id, field), ""),
            part=part,
            item=item,
        )
        for obj, field, part, item in rows
        if getattr(obj, field)
    ]


def tool_entries(tool: Tool, language: str) -> list[Entry]:
    """Every text of a tool families read, in the order its page shows them."""
    rows = [(tool, "purpose", "purpose", "")]
    rows += [(c, "note", "category", c.category) for c in tool.data_categories]
    rows += [(f, "label", "feature", f.key) for f in tool.features]
    rows += [(o, "label", "option", "") for o in tool.optout_options]
    return _entries(rows, language)


def latest_version(form: ConsentForm) -> ConsentFormVersion | None:
    return db.session.scalar(
        select(ConsentFormVersion)
        .where(ConsentFormVersion.form_id == form.id)
        .order_by(ConsentFormVersion.number.desc())
        .limit(1)
    )


def form_entries(form: ConsentForm, language: str) -> list[Entry]:
    """A form's title and the text of its latest version (earlier versions keep theirs)."""
    rows = [(form, "title", "title", "")]
    version = latest_version(form)
    if version is not None:
        rows.append((version, "text", "text", str(version.number)))
    return _entries(rows, language)


# --- what is missing -------------------------------------------------------------------------


def _missing_of(model, field: str, owner, part: str, language: str, *, where=()):
    """(part, owner kind, owner id, English text) for every row of `model` whose `field` is
    not empty and has no translation in `language`."""
    column = getattr(model, field)
    translated = and_(
        DistrictText.kind == model.__tablename__,
        DistrictText.row_id == model.id,
        DistrictText.field == field,
        DistrictText.language == language,
    )
    return (
        select(
            literal(part).label("part"),
            literal(owner[0]).label("owner_kind"),
            owner[1].label("owner_id"),
            column.label("english"),
            model.id.label("row_id"),
        )
        .outerjoin(DistrictText, translated)
        .where(DistrictText.id.is_(None), column != "", *where)
    )


def missing(language: str):
    """One SELECT of every text without a translation in `language`: tools first (by part),
    then forms. Columns: part, owner_kind ('tool' or 'form'), owner_id, english, row_id."""
    newer = aliased(ConsentFormVersion)
    superseded = (
        select(newer.id)
        .where(
            newer.form_id == ConsentFormVersion.form_id,
            newer.number > ConsentFormVersion.number,
        )
        .exists()
    )
    parts = [
        _missing_of(Tool, "purpose", ("tool", Tool.id), "purpose", language),
        _missing_of(
            ToolDataCategory, "note", ("tool", ToolDataCategory.tool_id), "category", language
        ),
        _missing_of(ToolFeature, "label", ("tool", ToolFeature.tool_id), "feature", language),
        _missing_of(
            ToolOptOutOption, "label", ("tool", ToolOptOutOption.tool_id), "option", language
        ),
        _missing_of(ConsentForm, "title", ("form", ConsentForm.id), "title", language),
        _missing_of(
            ConsentFormVersion,
            "text",
            ("form", ConsentFormVersion.form_id),
            "text",
            language,
            where=(~superseded,),
        ),
    ]
    return union_all(*parts).subquery()


def missing_page(language: str, *, page: int, per_page: int) -> tuple[int, list]:
    """How many texts lack a translation, and one page of them in a fixed order."""
    rows = missing(language)
    total = db.session.scalar(select(func.count()).select_from(rows))
    found = db.session.execute(
        select(rows)
        .order_by(rows.c.owner_kind.desc(), rows.c.owner_id, rows.c.part, rows.c.row_id)
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return total, found


def owner_names(rows) -> dict[tuple[str, int], str]:
    """The tool or form each missing text belongs to, by name: two queries for a page."""
    tool_ids = {r.owner_id for r in rows if r.owner_kind == "tool"}
    form_ids = {r.owner_id for r in rows if r.owner_kind == "form"}
    names = {}
    if tool_ids:
        for tool_id, name in db.session.execute(
            select(Tool.id, Tool.name).where(Tool.id.in_(tool_ids))
        ):
            names[("tool", tool_id)] = name
    if form_ids:
        for form_id, title, year in db.session.execute(
            select(ConsentForm.id, ConsentForm.title, ConsentForm.school_year).where(
                ConsentForm.id.in_(form_ids)
            )
        ):
            names[("form", form_id)] = f"{title} ({year})"
    return names

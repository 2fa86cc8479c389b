"""District-entered text in the other languages the district offers.

English (the district's default) stays in each model's own column; every other language lives
in one table, keyed by (kind, row id, field, language), so a tool's purpose, a data category's
note, a feature's name, an opt-out choice and a consent form's title and text all work the same
way. A consent form's text is translated per version: a new wording needs a new translation.
"""

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from consent.catalog.models import Tool, ToolDataCategory, ToolFeature, ToolOptOutOption
from consent.consentforms.models import ConsentForm, ConsentFormVersion
from consent.core import clock
from consent.db import Base, UTCDateTime

#: What may be translated: each model's kind (its table name) and the fields families read.
#: Teachers' plan notes are not here: they stay as written.
TRANSLATABLE: dict[type, tuple[str, ...]] = {
    Tool: ("purpose",),
    ToolDataCategory: ("note",),
    ToolFeature: ("label",),
    ToolOptOutOption: ("label",),
    ConsentForm: ("title",),
    ConsentFormVersion: ("text",),
}
KINDS: dict[str, type] = {model.__tablename__: model for model in TRANSLATABLE}

#: The longest translation each field takes: as long as the English column allows.
MAX_LENGTH = {
    ("tool", "purpose"): 2000,
    ("tool_data_category", "note"): 500,
    ("tool_feature", "label"): 255,
    ("tool_optout_option", "label"): 255,
    ("consent_form", "title"): 255,
    ("consent_form_version", "text"): 20000,
}


def kind_of(obj) -> str:
    return type(obj).__tablename__


class DistrictText(Base):
    """One field of one row in one language other than the district's default."""

    __tablename__ = "district_text"
    __table_args__ = (UniqueConstraint("kind", "row_id", "field", "language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    row_id: Mapped[int] = mapped_column(Integer)
    field: Mapped[str] = mapped_column(String(32))
    language: Mapped[str] = mapped_column(String(16), index=True)
    text: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    updated_by_account_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"))

    def __repr__(self) -> str:
        return f"<DistrictText {self.id} {self.kind}:{self.row_id} {self.language}>"

"""The catalog of online tools: what each collects, on what basis, and where it is in use."""

import enum
from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from consent.core import clock
from consent.db import Base, UTCDateTime, enum_column
from consent.roster.models import School, Section

# NDPA (National Data Privacy Agreement) Exhibit B category names, in the exhibit's order.
DATA_CATEGORIES = (
    "Application Technology Meta Data",
    "Application Use Statistics",
    "Assessment",
    "Attendance",
    "Communications",
    "Conduct",
    "Demographics",
    "Enrollment",
    "Parent/Guardian Contact Information",
    "Parent/Guardian ID",
    "Parent/Guardian Name",
    "Schedule",
    "Special Indicator",
    "Student Contact Information",
    "Student Identifiers",
    "Student In App Performance",
    "Student Name",
    "Student Program Membership",
    "Student Survey Responses",
    "Student Work",
    "Transcript",
    "Transportation",
    "Other",
)


class LegalBasis(enum.StrEnum):
    SCHOOL_OFFICIAL = "school_official"
    COPPA_SCHOOL_CONSENT = "coppa_school_consent"
    PARENT_CONSENT = "parent_consent"


class VettingStatus(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    APPROVED_WITH_CONDITIONS = "approved_with_conditions"
    NOT_APPROVED = "not_approved"
    RETIRED = "retired"


class AgreementStatus(enum.StrEnum):
    NONE = "none"
    NEGOTIATING = "negotiating"
    SIGNED = "signed"


class UseScope(enum.StrEnum):
    DISTRICT = "district"
    SCHOOL = "school"
    SECTION = "section"


class Tool(Base):
    __tablename__ = "tool"
    __table_args__ = (
        CheckConstraint(
            "agreement_status != 'signed' OR "
            "(agreement_signed_on IS NOT NULL AND agreement_expires_on IS NOT NULL)",
            name="signed_agreement_has_dates",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(255), unique=True)
    vendor: Mapped[str] = mapped_column(String(255))
    purpose: Mapped[str] = mapped_column(Text)
    website: Mapped[str] = mapped_column(String(2048))
    privacy_policy_url: Mapped[str] = mapped_column(String(2048))
    grade_band: Mapped[str] = mapped_column(String(32))
    legal_basis: Mapped[LegalBasis] = mapped_column(enum_column(LegalBasis, "legal_basis"))
    vetting_status: Mapped[VettingStatus] = mapped_column(
        enum_column(VettingStatus, "vetting_status")
    )
    agreement_status: Mapped[AgreementStatus] = mapped_column(
        enum_column(AgreementStatus, "agreement_status")
    )
    agreement_signed_on: Mapped[date | None] = mapped_column(Date)
    agreement_expires_on: Mapped[date | None] = mapped_column(Date)
    last_reviewed_on: Mapped[date | None] = mapped_column(Date)
    # When the committee looks at the tool again (consent.vetting.rereview): set by each approval
    # to a year on (the district's REVIEW_INTERVAL_DAYS); None for tools approved before, whose
    # date counts from last_reviewed_on.
    next_review_on: Mapped[date | None] = mapped_column(Date)
    # The policy watch (consent.vetting.rereview): a SHA-256 of the privacy policy's text as
    # last fetched, and when; None until the first fetch.
    policy_fingerprint: Mapped[str | None] = mapped_column(String(64))
    policy_checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    data_categories: Mapped[list["ToolDataCategory"]] = relationship(
        lazy="selectin", order_by="ToolDataCategory.category", cascade="all, delete-orphan"
    )
    features: Mapped[list["ToolFeature"]] = relationship(
        lazy="selectin", order_by="ToolFeature.id", cascade="all, delete-orphan"
    )
    optout_options: Mapped[list["ToolOptOutOption"]] = relationship(
        lazy="selectin", order_by="ToolOptOutOption.id", cascade="all, delete-orphan"
    )

    def feature_label(self, key: str) -> str | None:
        """The plain name of one feature, or None when the key is not one of this tool's."""
        for feature in self.features:
            if feature.key == key:
                return feature.label
        return None

    def __repr__(self) -> str:
        return f"<Tool {self.id}>"


class ToolDataCategory(Base):
    """One NDPA Exhibit B category a tool collects, with a plain note for families."""

    __tablename__ = "tool_data_category"
    __table_args__ = (UniqueConstraint("tool_id", "category"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tool_id: Mapped[int] = mapped_column(ForeignKey("tool.id"), index=True)
    category: Mapped[str] = mapped_column(String(64))
    note: Mapped[str] = mapped_column(Text, default="")


class ToolFeature(Base):
    """A part of a tool a guardian may opt out of on its own, such as video or recording."""

    __tablename__ = "tool_feature"
    __table_args__ = (UniqueConstraint("tool_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tool_id: Mapped[int] = mapped_column(ForeignKey("tool.id"), index=True)
    key: Mapped[str] = mapped_column(String(32))
    label: Mapped[str] = mapped_column(String(255))


class ToolOptOutOption(Base):
    """An accommodation the tool allows, such as 'camera off' or 'alternative activity'."""

    __tablename__ = "tool_optout_option"
    __table_args__ = (UniqueConstraint("tool_id", "label"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tool_id: Mapped[int] = mapped_column(ForeignKey("tool.id"), index=True)
    label: Mapped[str] = mapped_column(String(255))
    # The part of the tool (a ToolFeature key) this choice answers, such as "Camera off" for
    # video; None for a choice that stands in for any part (an alternative activity). Which
    # choices a request is offered: consent.optouts.rules.fitting_options.
    feature_key: Mapped[str | None] = mapped_column(String(32))


class ToolUse(Base):
    """A tool in use district-wide, at one school, or in one section, between two dates."""

    __tablename__ = "tool_use"
    __table_args__ = (
        CheckConstraint(
            "(scope = 'district' AND school_id IS NULL AND section_id IS NULL) OR "
            "(scope = 'school' AND school_id IS NOT NULL AND section_id IS NULL) OR "
            "(scope = 'section' AND section_id IS NOT NULL AND school_id IS NULL)",
            name="scope_matches_target",
        ),
        CheckConstraint("ends_on IS NULL OR ends_on >= starts_on", name="dates_in_order"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tool_id: Mapped[int] = mapped_column(ForeignKey("tool.id"), index=True)
    scope: Mapped[UseScope] = mapped_column(enum_column(UseScope, "use_scope"), index=True)
    school_id: Mapped[int | None] = mapped_column(ForeignKey("school.id"), index=True)
    section_id: Mapped[int | None] = mapped_column(ForeignKey("section.id"), index=True)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    # Who declared the use (a teacher for their class, the privacy office for wider ones) and
    # when; None for uses loaded by the demo or before declarations existed.
    declared_by_account_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    created_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=clock.now)

    tool: Mapped[Tool] = relationship(lazy="joined")
    school: Mapped[School | None] = relationship()
    section: Mapped[Section | None] = relationship()

    def __repr__(self) -> str:
        return f"<ToolUse {self.id} tool={self.tool_id} {self.scope}>"


class ClassReach(Base):
    """A class use of a tool reaching a student through one enrollment, between two dates: the
    section part of `consent.catalog.reach` stored, so a district's report reads who uses a
    tool in class without joining every enrollment to the sections' uses and the students.

    One row per (section-scope use, enrollment of an active student in that section) whose date
    ranges meet; `starts_on` is the later of the two starts, `ends_on` the earlier of the two
    ends (None: open). The dates stay ranges, so the rows do not go stale as days pass: the use
    reaches the student in class on `today` when `starts_on <= today <= ends_on`. Written only
    by `consent.catalog.class_reach`, from the same joins as `reach_parts`; `flask reports
    check-reach` compares it with the definition."""

    __tablename__ = "class_reach"
    __table_args__ = (
        # The opt-out rate reads it index-only, tool by tool and student by student.
        Index(
            "ix_class_reach_tool_student",
            "tool_id",
            "student_id",
            postgresql_include=["school_id", "starts_on", "ends_on"],
        ),
    )

    use_id: Mapped[int] = mapped_column(
        ForeignKey("tool_use.id", ondelete="CASCADE"), primary_key=True
    )
    enrollment_id: Mapped[int] = mapped_column(
        ForeignKey("enrollment.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    # Copies of the use's tool and the enrollment's student and the student's school, kept by
    # `consent.catalog.class_reach.refresh` whenever those change.
    tool_id: Mapped[int] = mapped_column(Integer)
    student_id: Mapped[int] = mapped_column(Integer, index=True)
    school_id: Mapped[int] = mapped_column(Integer)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)

    def __repr__(self) -> str:
        return f"<ClassReach use={self.use_id} enrollment={self.enrollment_id}>"


APPROVED_STATUSES = (VettingStatus.APPROVED, VettingStatus.APPROVED_WITH_CONDITIONS)


class ToolRevision(Base):
    """One saved edit of a tool: who, when, and (in its changes) what, field by field."""

    __tablename__ = "tool_revision"
    __table_args__ = (UniqueConstraint("tool_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tool_id: Mapped[int] = mapped_column(ForeignKey("tool.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    actor_account_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"), index=True)
    # The vetting request whose approval added the tool (its first revision only), so the
    # history says where the entry came from.
    vetting_request_id: Mapped[int | None] = mapped_column(ForeignKey("vetting_request.id"))

    actor: Mapped["Account | None"] = relationship("Account", lazy="joined")  # noqa: F821
    changes: Mapped[list["ToolChange"]] = relationship(
        lazy="selectin", order_by="ToolChange.id", cascade="all, delete-orphan"
    )

    @property
    def added_the_tool(self) -> bool:
        """The revision that created the entry: every tool has a name, so only the first
        revision of a tool added here changes the name from nothing."""
        return any(c.field == "name" and c.before is None for c in self.changes)

    def __repr__(self) -> str:
        return f"<ToolRevision {self.id} tool={self.tool_id} #{self.number}>"


class ToolChange(Base):
    """One field's value before and after a revision; lists (categories, features, options) have
    one row per item, keyed like `category:Student Work`, so the history reads item by item."""

    __tablename__ = "tool_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    revision_id: Mapped[int] = mapped_column(ForeignKey("tool_revision.id"), index=True)
    field: Mapped[str] = mapped_column(String(128))
    before: Mapped[str | None] = mapped_column(Text)
    after: Mapped[str | None] = mapped_column(Text)

    def __repr__(self) -> str:
        return f"<ToolChange {self.id} revision={self.revision_id}>"


class ToolChangeNotice(Base):
    """A change families were told about, stored once per tool change (not once per child): a
    child's page lists the notices of the tools the child uses.

    `lapse_key` names an agreement lapse (its expiry date), so the scheduled check never tells
    families twice about the same one."""

    __tablename__ = "tool_change_notice"
    __table_args__ = (UniqueConstraint("tool_id", "lapse_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tool_id: Mapped[int] = mapped_column(ForeignKey("tool.id"), index=True)
    revision_id: Mapped[int | None] = mapped_column(ForeignKey("tool_revision.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now, index=True)
    new_categories: Mapped[str] = mapped_column(Text, default="")  # one category a line
    agreement_lapsed: Mapped[bool] = mapped_column(Boolean, default=False)
    no_longer_approved: Mapped[bool] = mapped_column(Boolean, default=False)
    vetting_status: Mapped[VettingStatus] = mapped_column(
        enum_column(VettingStatus, "vetting_status")
    )
    legal_basis_before: Mapped[LegalBasis | None] = mapped_column(
        enum_column(LegalBasis, "legal_basis_before")
    )
    legal_basis_after: Mapped[LegalBasis | None] = mapped_column(
        enum_column(LegalBasis, "legal_basis_after")
    )
    lapse_key: Mapped[str | None] = mapped_column(String(64))
    guardians_notified: Mapped[int] = mapped_column(Integer, default=0)

    tool: Mapped[Tool] = relationship(lazy="joined")

    @property
    def new_category_list(self) -> list[str]:
        return [c for c in self.new_categories.splitlines() if c]

    def __repr__(self) -> str:
        return f"<ToolChangeNotice {self.id} tool={self.tool_id}>"

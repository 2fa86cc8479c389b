"""The API's request and response shapes (pydantic): what validates each request and what the
OpenAPI document (consent.api.spec) is generated from."""

from datetime import date, datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field
from spectree.model_adapter.pydantic_adapter import BaseFile

MAX_LIMIT = 500


class Problem(BaseModel):
    """An error, as RFC 9457 problem details (`application/problem+json`)."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    errors: list[dict] | None = None


class Page(BaseModel):
    """Paging by an opaque cursor: pass `next_cursor` back as `cursor` for the next page; null
    when this is the last one."""

    next_cursor: str | None = None


class StudentsQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    school: int | None = Field(None, ge=1, le=2**31 - 1, description="Only this school's students")
    tool: int | None = Field(None, ge=1, le=2**31 - 1, description="Only choices about this tool")
    updated_since: AwareDatetime | None = Field(
        None,
        description="Only students whose opt-outs or answers changed at or after this instant "
        "(ISO 8601 with a time zone); each comes with all their current choices.",
    )
    cursor: str | None = Field(None, max_length=200)
    limit: int = Field(100, ge=1, le=MAX_LIMIT)


class OptOutOut(BaseModel):
    id: int
    tool_id: int
    feature: str | None = Field(description="The feature turned off, or null for the whole tool")
    status: Literal["submitted", "in_progress", "planned", "confirmed"]
    filed_at: datetime
    updated_at: datetime


class AnswerOut(BaseModel):
    form_id: int
    form_kind: str
    tool_id: int | None
    school_year: str
    answer: Literal["granted", "refused"]
    answered_at: datetime


class StudentChoices(BaseModel):
    id: int
    district_identifier: str
    sourced_id: str
    school_id: int
    active: bool
    optouts: list[OptOutOut] | None = Field(
        None, description="Opt-out requests in effect (null: the token cannot read them)"
    )
    consent_answers: list[AnswerOut] | None = Field(
        None, description="Answers in force on consent forms (null: the token cannot read them)"
    )


class StudentsPage(Page):
    students: list[StudentChoices]


class ExclusionQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    as_of: date | None = Field(None, description="The day (default: today, district time)")
    school: int | None = Field(None, ge=1, le=2**31 - 1)


class Exclusion(BaseModel):
    student_id: int
    district_identifier: str
    sourced_id: str
    school_id: int
    do_not_roster: bool = Field(description="Must not be rostered to the tool at all")
    features_off: list[str] = Field(description="Features that must be off for the student")
    reasons: list[
        Literal[
            "opted_out", "feature_opted_out", "consent_refused", "no_consent", "no_consent_form"
        ]
    ]


class ExclusionList(BaseModel):
    """Every student the tool reaches on the day who must not be rostered to it, or must have a
    feature off; streamed, by student id."""

    tool_id: int
    as_of: date
    students: list[Exclusion]


class ToolsQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    cursor: str | None = Field(None, max_length=200)
    limit: int = Field(100, ge=1, le=MAX_LIMIT)


class FeatureOut(BaseModel):
    key: str
    label: str


class ToolOut(BaseModel):
    id: int
    name: str
    vendor: str
    purpose: str
    website: str
    privacy_policy_url: str
    grade_band: str
    legal_basis: str
    vetting_status: str
    data_categories: list[str]
    features: list[FeatureOut]


class ToolsPage(Page):
    tools: list[ToolOut]


class RosterCheckForm(BaseModel):
    """A vendor's roster export for the tool, as `multipart/form-data`."""

    file: BaseFile = Field(
        description="A OneRoster set (.zip, or its users.csv: the rows whose role is student), "
        "or a CSV file of one column, sourcedId or the student number. UTF-8."
    )
    vendor: str | None = Field(
        None,
        min_length=1,
        max_length=120,
        description="The vendor whose roster this is (default: the catalog's vendor of the tool)",
    )


class SchoolCount(BaseModel):
    school_id: int
    still_present: int


class RosterCheckOut(BaseModel):
    """What the check found: the students who must not be rostered to the tool today (the
    exclusion list's `do_not_roster`), and how many of them the vendor's roster still lists.
    Each affected opt-out request's timeline records the check; when anyone is still there,
    the privacy office is told."""

    id: int
    tool_id: int
    vendor: str
    as_of: date
    school_id: int | None = Field(description="The token's school, or null for the district")
    format: Literal["oneroster", "identifiers"]
    listed: int = Field(description="Students the export lists")
    excluded: int = Field(description="Students who must not be in the vendor's roster")
    still_present: int
    not_present: int
    requests_told: int = Field(description="Opt-out requests whose timeline records the check")
    still_present_by_school: list[SchoolCount]

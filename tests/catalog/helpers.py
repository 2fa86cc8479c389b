"""Filling in the privacy office's tool form the way a browser posts it."""

from consent.catalog.models import DATA_CATEGORIES


def tool_form(
    *,
    name="Padlet",
    vendor="Padlet, Inc.",
    purpose="A shared wall where the class posts notes and pictures.",
    website="https://padlet.com/",
    privacy_policy_url="https://padlet.com/about/privacy",
    grade_band="K-12",
    legal_basis="school_official",
    vetting_status="approved",
    agreement_status="signed",
    signed="2026-01-15",
    expires="2028-01-14",
    categories=None,
    features=None,
    options=None,
    option_parts=None,
) -> dict:
    """The POST body of the tool form; `categories` maps an Exhibit B name to its plain note."""
    categories = (
        {"Student Name": "first name", "Student Work": "posts and pictures"}
        if (categories is None)
        else categories
    )
    features = {"comments": "Comments"} if features is None else features
    options = ["Alternative activity"] if options is None else options
    data = {
        "name": name,
        "vendor": vendor,
        "purpose": purpose,
        "website": website,
        "privacy_policy_url": privacy_policy_url,
        "grade_band": grade_band,
        "legal_basis": legal_basis,
        "vetting_status": vetting_status,
        "agreement_status": agreement_status,
        "agreement_signed_on": signed,
        "agreement_expires_on": expires,
    }
    for number, category in enumerate(DATA_CATEGORIES):
        data[f"categories-{number}-note"] = categories.get(category, "")
        if category in categories:
            data[f"categories-{number}-collected"] = "y"
    for number, (key, label) in enumerate([*features.items(), ("", "")]):
        data[f"features-{number}-key"] = key
        data[f"features-{number}-title"] = label
    option_parts = option_parts or {}
    for number, label in enumerate([*options, ""]):
        data[f"options-{number}"] = label
        data[f"option_parts-{number}"] = option_parts.get(label, "")
    return data


def form_of(tool, **changes) -> dict:
    """The form as it stands for an existing tool, with `changes` applied."""
    values = {
        "name": tool.name,
        "vendor": tool.vendor,
        "purpose": tool.purpose,
        "website": tool.website,
        "privacy_policy_url": tool.privacy_policy_url,
        "grade_band": tool.grade_band,
        "legal_basis": tool.legal_basis.value,
        "vetting_status": tool.vetting_status.value,
        "agreement_status": tool.agreement_status.value,
        "signed": tool.agreement_signed_on.isoformat() if tool.agreement_signed_on else "",
        "expires": tool.agreement_expires_on.isoformat() if tool.agreement_expires_on else "",
        "categories": {c.category: c.note for c in tool.data_categories},
        "features": {f.key: f.label for f in tool.features},
        "options": [o.label for o in tool.optout_options],
        "option_parts": {o.label: o.feature_key for o in tool.optout_options if o.feature_key},
    }
    values.update(changes)
    return tool_form(**values)


def data_of(tool, **changes):
    """The tool's current entry as ToolData, with `changes` applied: for calling operations."""
    from consent.catalog.operations import ToolData

    values = {
        "name": tool.name,
        "vendor": tool.vendor,
        "purpose": tool.purpose,
        "website": tool.website,
        "privacy_policy_url": tool.privacy_policy_url,
        "grade_band": tool.grade_band,
        "legal_basis": tool.legal_basis,
        "vetting_status": tool.vetting_status,
        "agreement_status": tool.agreement_status,
        "agreement_signed_on": tool.agreement_signed_on,
        "agreement_expires_on": tool.agreement_expires_on,
        "categories": {c.category: c.note for c in tool.data_categories},
        "features": {f.key: f.label for f in tool.features},
        "options": [o.label for o in tool.optout_options],
        "option_parts": {o.label: o.feature_key for o in tool.optout_options if o.feature_key},
    }
    values.update(changes)
    return ToolData(**values)

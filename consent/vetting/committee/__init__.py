"""The review committee's tables (models) and pages (views); its rules are in
consent.vetting.review and consent.vetting.rubric."""

"""Roster import from the district's student information system (OneRoster 1.1/1.2 CSV, and
Microsoft School Data Sync v2.1): read and validate the whole set first, then apply it."""

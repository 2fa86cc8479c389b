"""The audit log of staff reads and every change to a student's data."""

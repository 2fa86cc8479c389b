"""School days: deadlines skip weekends and the district's closures."""

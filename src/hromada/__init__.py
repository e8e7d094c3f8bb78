"""hromada: relief work of a frontline town."""

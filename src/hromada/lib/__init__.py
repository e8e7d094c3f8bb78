"""Pure Python, no Django: it can be tested and benchmarked alone."""

"""Per-category walking access for every home: nearest, counts, coverage, 2SFCA."""

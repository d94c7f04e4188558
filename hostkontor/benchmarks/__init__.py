"""Benchmarks (`make bench`): each runs in its own process on a fresh SQLite database."""

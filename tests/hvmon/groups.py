"""The slower groups of tests/hvmon/run.py: page, promtool, prometheus, fleet."""
TESTS = []

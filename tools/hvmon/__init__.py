"""hvmon: the operations side of the hypervisor's report stream (issue 12).

Follows instances live, keeps their state, shows it in a terminal view, a
self-contained diagnosis page and a Prometheus endpoint; docs/operations.md.
"""

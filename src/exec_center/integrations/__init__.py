"""Ports to external systems (asset query-and-control, …) and their simulators."""

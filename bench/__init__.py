"""Benchmarks: each prints a table of figures with a ratio against a baseline
measured in the same run (``gridpay bench <area>``, ``gridpay bench all``)."""

"""Callbook's own benchmark: ``make bench`` (1 M calls) and ``make bench-quick`` (20 k).

``bench.run`` starts gunicorn, loads data (``calls.sql.scale_data``) and drives the scenarios with
the bounded load generator in ``bench.load``; see the README's performance section.
"""

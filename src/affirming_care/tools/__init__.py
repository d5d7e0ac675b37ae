"""Maintenance scripts for the course's own files (run with ``python -m affirming_care.tools.NAME``)."""

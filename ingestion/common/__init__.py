"""Helpers shared by every export source: reading, typing, file discovery and quarantine."""

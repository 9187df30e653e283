"""Coproduce: a platform for co-produced public services."""

__version__ = "0.1.0"

"""Coordination\x27s pages, one module per concept."""

"""Every write of coordination: one module per concept, one transaction per service."""

"""Impact: measure what matters — outcomes chosen with members, wellbeing, unit costs, value by
budget holder, SROI, network-building from the ledger, and evaluation reports."""

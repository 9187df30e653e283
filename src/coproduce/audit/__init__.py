"""Co-production audits: a service's self-assessment against the report's six features, staff
and members answering side by side (Recommendation 10)."""

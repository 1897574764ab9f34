"""Where things are kept: artifacts (files) and state (sessions, jobs, deliveries)."""

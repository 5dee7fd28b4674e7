"""Acknowledging POs to Amazon: what staff, a rule or a pick file decided (services.py), the
outbox that sends it exactly once (outbox.py, tasks.py), the rules and the deadlines."""

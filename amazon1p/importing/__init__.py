"""Amazon 1P order import: PO → order mapping, page upserts, sync runs and reconciliation."""

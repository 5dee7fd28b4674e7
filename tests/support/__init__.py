"""Test helpers shared across the test packages (see STYLE.md, "Tests")."""

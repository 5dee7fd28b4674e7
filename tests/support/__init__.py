"""Test helpers shared across the test packages (see STYLE.md, "Tests").

Test modules and conftests import helpers from here and never from one another
(tests/test_test_layout.py checks it). The modules that define shared fixtures (the simulator,
the browser, the Celery worker, group shipments) are registered once, in tests/conftest.py's
`pytest_plugins`; a folder's conftest keeps only what that folder configures, such as its
`simulator_config`.
"""

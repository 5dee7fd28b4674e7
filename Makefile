# Shortcuts for developers; CI runs `bash .ci/run`.
.PHONY: demo test lint types check

demo:          ## the demo on embedded defaults
	bash bin/demo

test:          ## everything CI runs (services, lint, checks, tests)
	bash .ci/run

lint:          ## ruff lint and format check
	.venv/bin/ruff check . && .venv/bin/ruff format --check .

types:         ## mypy with django-stubs (pyproject.toml [tool.mypy])
	DJANGO_DEBUG=true .venv/bin/mypy

check:         ## migrations in step with models
	DJANGO_DEBUG=true .venv/bin/python manage.py makemigrations --check --dry-run

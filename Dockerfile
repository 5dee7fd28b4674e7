FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY pyproject.toml ./
COPY . .
# collectstatic needs settings that load, not real secrets: a throw-away key and a random
# Fernet key live in this one command's environment only (no ARG or ENV holds a secret;
# the real ones come from the environment when the container runs).
RUN pip install --no-cache-dir -e . \
 && DJANGO_DEBUG=false SECRET_KEY=build-only-collectstatic \
    SECRETS_ENCRYPTION_KEYS="$(python -c 'import base64, os; print(base64.urlsafe_b64encode(os.urandom(32)).decode())')" \
    python manage.py collectstatic --noinput -v0
# /app/var/beat: beat's schedule file, on a volume (docker-compose.yml) that takes this owner.
RUN useradd --create-home shopctrl && mkdir -p /app/var/beat && chown -R shopctrl /app
USER shopctrl
EXPOSE 8000
CMD ["gunicorn", "shopctrl.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3"]

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY pyproject.toml ./
COPY . .
RUN pip install --no-cache-dir -e . \
 && DJANGO_DEBUG=false SECRET_KEY=build-only-collectstatic python manage.py collectstatic --noinput -v0
RUN useradd --create-home shopctrl && chown -R shopctrl /app
USER shopctrl
EXPOSE 8000
CMD ["gunicorn", "shopctrl.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3"]

# One image for every process: web (gunicorn), worker, beat and the one-shot migrate step.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PORTAL_INSTANCE_PATH=/var/lib/portal

WORKDIR /app
COPY pyproject.toml README.md babel.cfg ./
COPY portal ./portal
COPY questionnaires ./questionnaires
COPY workers ./workers
COPY migrations ./migrations
RUN pip install --no-cache-dir . \
    && pybabel compile -d portal/translations -D messages \
    && pip install --no-cache-dir --no-deps . \
    && useradd --system --home /var/lib/portal portal \
    && mkdir -p /var/lib/portal && chown portal /var/lib/portal

USER portal
EXPOSE 8000
# The logger class keeps invitation and password-reset tokens out of gunicorn's access and error logs.
CMD ["gunicorn", "--config", "python:portal.gunicorn_config", "--bind", "0.0.0.0:8000", "--workers", "2", "--access-logfile", "-", "--logger-class", "portal.gunicorn_logging.TokenHidingLogger", "portal:create_app()"]

# Image for the portal's web, worker and beat containers (docker-compose.yml).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# WeasyPrint renders the PDF reports with Pango and HarfBuzz; DejaVu is its font.
# gettext compiles the Indonesian catalog below; postgresql-client (15, as the db service)
# is for scripts/backup and scripts/restore.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 \
        fonts-dejavu-core gettext postgresql-client \
    && rm -rf /var/lib/apt/lists/*

RUN groupadd --system --gid 1000 spbe \
    && useradd --system --uid 1000 --gid spbe --home-dir /app --shell /usr/sbin/nologin spbe

WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt

COPY --chown=spbe:spbe . .

# Compile the catalog and collect static files at build time. The dummy key exists only
# during this step (settings refuse DEBUG off with the development key).
RUN SECRET_KEY=build-only-dummy-secret-key-not-used-at-runtime-0123456789 \
    DEBUG=False ALLOWED_HOSTS=localhost \
    sh -c "python manage.py compilemessages --ignore=.venv -v 0 \
        && python manage.py collectstatic --noinput -v 0" \
    && mkdir -p /app/var/media /app/var/beat \
    && chown -R spbe:spbe /app/var /app/staticfiles /app/locale

USER spbe
EXPOSE 8000

CMD ["gunicorn", "spbe_portal.wsgi:application", "--bind", "0.0.0.0:8000", \
     "--workers", "2", "--worker-class", "gthread", "--threads", "4", "--keep-alive", "75", \
     "--timeout", "60", "--access-logfile", "-"]

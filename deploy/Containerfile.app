# The app: web, worker, scheduler, action server and the one-shot commands
# (migrations, Rasa's endpoints file). Build from the project root:
#   podman build -f deploy/Containerfile.app -t lessonbot-app .
FROM docker.io/library/python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
    LESSONBOT_CONFIG=/app/deploy/config.production.yml
WORKDIR /app

# postgresql-client: pg_dump/pg_restore for deploy/backup.sh and deploy/restore.sh.
RUN apt-get update && apt-get install -y --no-install-recommends postgresql-client \
    && rm -rf /var/lib/apt/lists/*

# Dependencies first (exact versions from constraints/app.txt): a code change
# does not reinstall them.
COPY pyproject.toml ./
COPY constraints/app.txt constraints/app.txt
RUN python -m venv /app/.venv \
    && /app/.venv/bin/pip install --no-cache-dir -c constraints/app.txt \
       $(python -c "import tomllib; print(' '.join(tomllib.load(open('pyproject.toml','rb'))['project']['dependencies']))")

COPY bot bot
COPY lessons lessons
COPY nlu/__init__.py nlu/__init__.py
COPY nlu/actions nlu/actions
COPY scheduler scheduler
COPY rasa_runtime rasa_runtime
COPY babel.cfg config.yml ./
COPY deploy deploy
RUN /app/.venv/bin/pip install --no-cache-dir --no-deps -e . \
    && /app/.venv/bin/pybabel compile -d bot/translations -D messages \
    && useradd --system --home /app --shell /usr/sbin/nologin lessonbot \
    && mkdir -p /app/var && chown lessonbot /app/var

USER lessonbot
ENV PATH=/app/.venv/bin:$PATH
EXPOSE 8000 5055
CMD ["lessonbot", "web"]

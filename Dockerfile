# syntax=docker/dockerfile:1
# Secure Chat API: the page built with Node, the server on Python slim, run as a non-root
# user. Build: docker build -t securechat .   Run one node: docker run -p 10000:10000 securechat
# The whole service (Postgres, Redis, a Flask and a Quart node, nginx): compose.yaml;
# operating it: docs/operations.md.

# --- 1. the web page (what `securechat build-web` does: npm ci, then the build) ------------
FROM node:20-bookworm-slim AS web
WORKDIR /web
COPY entrypoints/web/package.json entrypoints/web/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY entrypoints/web/build.mjs ./
COPY entrypoints/web/src ./src
RUN npm run build

# --- 2. the project and its dependencies, into a virtual environment ----------------------
FROM python:3.12-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
WORKDIR /app
COPY pyproject.toml README.md ./
COPY domain ./domain
COPY ports ./ports
COPY adapters ./adapters
COPY entrypoints ./entrypoints
COPY alembic ./alembic
COPY --from=web /web/dist ./entrypoints/web/dist
# Installed in place (editable): the migrations in alembic/ are read beside the code
# (adapters/sqlalchemy/migrations.py), and a wheel does not carry them.
RUN /opt/venv/bin/pip install -e '.[postgres]'

# --- 3. what runs: no compiler, no Node, no pip cache; a user of its own ------------------
FROM python:3.12-slim
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    SECURECHAT_DATA_DIR=/var/lib/securechat \
    SECURECHAT_HOST=0.0.0.0 \
    SECURECHAT_PORT=10000
RUN useradd --system --uid 10001 --user-group --no-create-home --shell /usr/sbin/nologin securechat \
    && install -d -m 0700 -o securechat -g securechat /var/lib/securechat
COPY --from=build /opt/venv /opt/venv
COPY --from=build /app /app
WORKDIR /app
USER securechat
# Keys (keys/fernet.key, keys/jwt.key) and, without SECURECHAT_DATABASE_URL, the SQLite file.
VOLUME ["/var/lib/securechat"]
EXPOSE 10000
# /healthz on the port the server listens on (SECURECHAT_PORT, read when the check runs).
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, sys, urllib.request as u; port = os.environ.get('SECURECHAT_PORT', '10000'); sys.exit(u.urlopen(f'http://127.0.0.1:{port}/healthz', timeout=2).status != 200)"]
ENTRYPOINT ["securechat"]
CMD ["serve"]

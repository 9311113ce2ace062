# gridsvc image: a build stage with the build tools (npm for the map's front-end libraries,
# pip), and a runtime stage with neither, running as an unprivileged user.

FROM python:3.11-slim-bookworm AS build
RUN apt-get update -qq \
    && apt-get install -y -qq --no-install-recommends nodejs npm \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
# Front-end libraries first: this layer is reused until the lock file changes.
COPY maps/frontend/package.json maps/frontend/package-lock.json maps/frontend/
RUN cd maps/frontend && npm ci --no-audit --no-fund --loglevel=error
COPY pyproject.toml README.md ./
COPY gridsvc gridsvc
COPY ingest ingest
COPY maps maps
COPY cameras cameras
RUN python -m venv /opt/venv \
    && /opt/venv/bin/pip install --no-cache-dir -q --upgrade pip \
    && /opt/venv/bin/pip install --no-cache-dir -q -e .

FROM python:3.11-slim-bookworm AS runtime
# The unprivileged user the app runs as; its state directory is a volume.
RUN groupadd --system --gid 10001 gridsvc \
    && useradd --system --uid 10001 --gid gridsvc --home-dir /var/lib/gridsvc gridsvc \
    && mkdir -p /var/lib/gridsvc && chown gridsvc:gridsvc /var/lib/gridsvc
COPY --from=build /opt/venv /opt/venv
COPY --from=build /app /app
ENV PATH="/opt/venv/bin:$PATH" \
    PYTHONUNBUFFERED=1 \
    GRIDSVC_HOME=/var/lib/gridsvc \
    GRIDSVC_HOST=0.0.0.0 \
    GRIDSVC_PORT=8000
WORKDIR /app
USER gridsvc
VOLUME ["/var/lib/gridsvc"]
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=5 \
    CMD ["python", "-c", "import urllib.request as u; u.urlopen('http://127.0.0.1:8000/healthz', timeout=2)"]
CMD ["gridsvc", "serve"]

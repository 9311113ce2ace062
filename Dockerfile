FROM python:3.11-slim-bookworm
RUN apt-get update -qq && apt-get install -y -qq --no-install-recommends nodejs npm \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml README.md ./
COPY gridsvc gridsvc
COPY ingest ingest
COPY maps maps
COPY cameras cameras
RUN cd maps/frontend && npm ci --no-audit --no-fund --loglevel=error
RUN pip install --no-cache-dir -e .
EXPOSE 8000
CMD ["gridsvc", "serve"]

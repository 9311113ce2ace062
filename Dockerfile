FROM python:3.11-slim-bookworm
WORKDIR /app
COPY pyproject.toml README.md ./
COPY gridsvc gridsvc
COPY ingest ingest
COPY maps maps
COPY cameras cameras
RUN pip install --no-cache-dir .
EXPOSE 8000
CMD ["gridsvc", "serve"]

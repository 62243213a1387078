# Aktenwerk: one image for the app (API + UI), the Celery workers and beat.
#   docker build -t aktenwerk .
#   docker compose up            (see compose.yaml: PostgreSQL + Redis + 2 workers + beat)
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    AKTENWERK_DATA_DIR=/data

RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      tesseract-ocr tesseract-ocr-deu tesseract-ocr-eng ghostscript unpaper pngquant qpdf \
      libzbar0 libmagic1 poppler-utils fonts-dejavu-core \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml README.md ./
COPY dms ./dms
COPY einvoice ./einvoice
COPY search ./search
COPY retention ./retention
COPY alembic.ini ./
RUN pip install .

RUN useradd --system --uid 10001 --home /data aktenwerk \
 && mkdir -p /data && chown aktenwerk /data
USER aktenwerk
VOLUME ["/data"]
EXPOSE 8000

HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=5 \
  CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/api/v1/health', timeout=4).status == 200 else 1)"

# Embedded default (SQLite + local broker + worker in one container); compose.yaml overrides per service.
CMD ["sh", "-c", "aktenwerk init && exec aktenwerk serve --host 0.0.0.0 --port 8000"]

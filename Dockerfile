# Lynk in a container: `lynk serve` by default; the same image runs `lynk worker` and `lynk migrate`.
# See docs/production.md (and compose.yaml for PostgreSQL, Redis, a server and a worker together).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    LYNK_HOME=/var/lib/lynk \
    LYNK_LOG_FORMAT=json

WORKDIR /src
COPY pyproject.toml README.md ./
COPY lynk ./lynk
RUN pip install . \
    && useradd --system --uid 10001 --home-dir /var/lib/lynk --shell /usr/sbin/nologin lynk \
    && mkdir -p /var/lib/lynk \
    && chown lynk /var/lib/lynk \
    && rm -rf /src

WORKDIR /var/lib/lynk
USER lynk
# 7242: the API and pages; 9464: /metrics when LYNK_METRICS_PORT=9464 (publish it to your scraper only).
EXPOSE 7242 9464
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:7242/readyz', timeout=4)"]
ENTRYPOINT ["lynk"]
CMD ["serve", "--host", "0.0.0.0", "--no-migrate"]

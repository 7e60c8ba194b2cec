# One image for the three services; the command chooses which one runs:
#   vaxshare api | vaxshare ingest | vaxshare aggregate run | vaxshare topics create
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /src
# Dependencies first, pinned by the lock file, so code changes do not re-download them.
COPY pyproject.toml requirements.lock README.md ./
COPY services ./services
RUN pip install -c requirements.lock . \
    && rm -rf /src

# A fixed numeric uid so Kubernetes can verify runAsNonRoot.
RUN groupadd --system --gid 10001 vaxshare \
    && useradd --system --uid 10001 --gid vaxshare --no-create-home --shell /usr/sbin/nologin vaxshare
USER 10001:10001
WORKDIR /app

# api, ingest, aggregate metrics/health
EXPOSE 8080 8081 8082
CMD ["vaxshare", "api"]

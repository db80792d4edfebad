# syntax=docker/dockerfile:1
# One image with every binary (replica, dispatcher, autoscaler, loadtest, compare when present),
# the model built at image build time, and the traces for the load-test Job.
#
#   docker build -t resnet-hpa-cpa:dev .
#   docker run --rm --read-only --tmpfs /tmp -p 6000:6000 resnet-hpa-cpa:dev            # replica
#   docker run --rm --read-only --tmpfs /tmp -p 5052:5052 \
#     -e HEALTHCHECK_URL=http://127.0.0.1:5052/healthz resnet-hpa-cpa:dev dispatcher --replicas URL
#
# A real model instead of the deterministic synthetic one (downloaded at build time only):
#   docker build --build-arg MODEL_FROM=URL --build-arg MODEL_SHA256=HEX -t resnet-hpa-cpa:dev .
#
# The build stage needs network access: deno compile downloads its denort base binary.

ARG DENO_VERSION=2.9.6

FROM denoland/deno:${DENO_VERSION} AS build
WORKDIR /src
ENV DENO_NO_UPDATE_CHECK=1 NO_COLOR=1
# Dependencies first, so this layer is cached while deno.json and deno.lock are unchanged.
COPY deno.json deno.lock ./
RUN deno install --frozen
COPY . .
ARG MODEL_FROM=""
ARG MODEL_SHA256=""
RUN if [ -n "$MODEL_FROM" ]; then \
      deno task model --from "$MODEL_FROM" --sha256 "$MODEL_SHA256"; \
    else \
      deno task model; \
    fi
# dist/bin/NAME per entry and dist/models/ (see scripts/compile.ts).
RUN deno task compile --out /out

FROM debian:bookworm-slim AS runtime
# curl for HEALTHCHECK and the load-test Job's readiness wait; sh and sleep for preStop hooks.
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates curl \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 65532 app \
 && useradd --system --uid 65532 --gid 65532 --no-create-home --home-dir /nonexistent \
      --shell /usr/sbin/nologin app
WORKDIR /app
COPY --from=build /out/bin/ /app/bin/
COPY --from=build /out/models/ /app/models/
COPY --from=build /src/traces/ /app/traces/
# Nothing is written outside /tmp (mount a tmpfs or emptyDir there with a read-only root).
ENV PATH=/app/bin:/usr/local/bin:/usr/bin:/bin \
    TMPDIR=/tmp \
    NO_COLOR=1
USER 65532:65532
EXPOSE 6000 5052 5000
# The replica by default; set HEALTHCHECK_URL when running another binary.
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 \
  CMD curl -fsS -o /dev/null "${HEALTHCHECK_URL:-http://127.0.0.1:6000/healthz}" || exit 1
CMD ["replica"]

# syntax=docker/dockerfile:1
#
# aienergy in a container. Two stages: a Go toolchain builds the binary,
# and a small Debian image runs it.
#
#   docker build -t aienergy --build-arg VERSION=$(git describe --always --dirty) .
#   docker run --rm aienergy                         # 30-s demo against the built-in simulator
#   docker run --rm --gpus all -v "$PWD/runs:/work/runs" aienergy run my.yaml
#
# NVIDIA GPUs: the binary is built with cgo so that the nvml meter can
# dlopen libnvidia-ml.so.1 at run time. The image carries no driver: the
# NVIDIA container toolkit mounts the host driver's library into the
# container when it runs with --gpus (Docker) or a GPU device reservation
# (compose), as asked by the NVIDIA_* variables below. Without a GPU the
# same image runs, and the nvml meter reports itself unavailable.
#
# CPU RAPL: see deploy/README.md ("RAPL in a container"): the counters are
# readable by root only, and container runtimes hide
# /sys/devices/virtual/powercap; mount it read-only and point the rapl
# meter's sysfs option at it.

ARG GO_VERSION=1.26

FROM golang:${GO_VERSION}-bookworm AS build
WORKDIR /src
# Modules first: this layer is reused until go.mod or go.sum change.
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY . .
ARG VERSION=dev
# cgo is required by go-nvml (it dlopens NVML, so nothing NVIDIA is needed
# to build). -trimpath keeps build paths out of the binary; -s -w strip
# symbol tables; -X stamps the version that `aienergy --version` and every
# run.json report. The C flags quiet go-nvml's warnings about deprecated
# NVML calls that it wraps (as .ci/run does).
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=1 CGO_CFLAGS="-O2 -g -Wno-deprecated-declarations" go build -trimpath \
      -ldflags "-s -w -X github.com/aienergy/aienergy/internal/cli.Version=${VERSION}" \
      -o /out/aienergy ./cmd/aienergy

# Debian, not distroless/static or Alpine: a cgo binary needs glibc, and
# bookworm's glibc matches the build stage's.
FROM debian:bookworm-slim
# ca-certificates for HTTPS endpoints (Hugging Face Hub, MLflow, Electricity
# Maps, TLS exporters). Package versions follow bookworm's security updates.
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/*
# A fixed non-root uid, so that Kubernetes runAsNonRoot can check it and
# volume permissions can be granted to it. Run directories go to
# /work/runs (output.dir defaults to "runs", relative to the working
# directory); a named volume mounted there inherits this ownership.
RUN groupadd --system --gid 10001 aienergy \
 && useradd --system --uid 10001 --gid aienergy --home-dir /work --shell /usr/sbin/nologin aienergy \
 && mkdir -p /work/runs /work/.cache \
 && chown -R aienergy:aienergy /work
COPY --from=build /out/aienergy /usr/local/bin/aienergy

# Ask the NVIDIA container toolkit for every GPU and for the "utility"
# driver libraries (libnvidia-ml and nvidia-smi) — all that metering needs;
# no CUDA, since aienergy runs no kernels.
ENV NVIDIA_VISIBLE_DEVICES=all \
    NVIDIA_DRIVER_CAPABILITIES=utility \
    HOME=/work \
    XDG_CACHE_HOME=/work/.cache

USER 10001:10001
WORKDIR /work
# The metrics endpoint of `aienergy run --metrics-addr :9464`.
EXPOSE 9464
ENTRYPOINT ["aienergy"]
CMD ["run"]

# Hermes Agent plus the two cluster clients its watchdog and platform work need: kubectl and helm.
#
# Build it with ./build-and-push.sh (docker buildx, linux/amd64 and/or linux/arm64); see its --help.
# The build context is an empty directory: nothing from the work tree can end up in a layer.
#
# Start user: the base image starts as root on purpose. Its s6 boot hook (docker/stage2-hook.sh) chowns
# the /opt/data volume and then drops every service to user hermes (UID 10000). So this file has no USER
# line: switching user here would break that boot hook.
#
# Pins: every version below is exact, and every download is checked against a SHA-256 written in this
# file before it is used. Renovate bumps the versions (renovate.json); the checksums are refreshed with
# ./build-and-push.sh --update-checksums, which reads the checksum files published next to each binary.
# Any edit of this file changes image.lock.json's inputsDigest: rebuild with ./build-and-push.sh --push.

# The Hermes release, and the one place its version is written (synth reads this line).
# renovate: datasource=docker depName=nousresearch/hermes-agent versioning=docker
ARG HERMES_VERSION=v2026.9.14
FROM nousresearch/hermes-agent:${HERMES_VERSION}

# kubectl: the cluster's minor (1.35), latest patch known when pinned.
# Checksums: https://dl.k8s.io/release/v1.35.9/bin/linux/{amd64,arm64}/kubectl.sha256, cross-checked
# against several public repositories that pin the same v1.35.9 binaries.
# renovate: datasource=github-releases depName=kubernetes/kubernetes
ARG KUBECTL_VERSION=v1.35.9
ARG KUBECTL_SHA256_AMD64=3cfeaf80be482b435b0aa214aff6e0b2c312ee23c0ff20810c75517b6004c6eb
ARG KUBECTL_SHA256_ARM64=39c98bca82875d9a9ddfb6f3c5ab17c3f78ea0801230683e538a67d5c053308d

# helm: the 3.x line (v3.22 is the last Helm 3 minor; it supports Kubernetes 1.34-1.37).
# Checksums: the helm/helm v3.22.0 release notes, which list
# https://get.helm.sh/helm-v3.22.0-linux-{amd64,arm64}.tar.gz.sha256sum.
# renovate: datasource=github-releases depName=helm/helm
ARG HELM_VERSION=v3.22.0
ARG HELM_SHA256_AMD64=1e4ab49e429626cf6c6958d914248b78c9730803c2751b87627e171dc800e7bb
ARG HELM_SHA256_ARM64=f14e804dfee240f55525b667488fe9adca349e63e00c9af634c0beb1421ac310

# Set by BuildKit (docker buildx) from --platform. Only amd64 and arm64 have pinned checksums.
ARG TARGETARCH

# One layer: download to a temporary directory, verify, install, clean up. The base image already has
# curl, ca-certificates, tar and Python 3 (the watchdog scripts use only its standard library), so no
# package manager runs here.
# sha256sum --strict: a malformed or empty checksum (say, an empty --build-arg) fails the build instead of being
# skipped with a warning while the other file verifies.
RUN set -eu; \
    case "${TARGETARCH:-}" in \
      amd64) kubectl_sha256="${KUBECTL_SHA256_AMD64}"; helm_sha256="${HELM_SHA256_AMD64}" ;; \
      arm64) kubectl_sha256="${KUBECTL_SHA256_ARM64}"; helm_sha256="${HELM_SHA256_ARM64}" ;; \
      *) echo "unsupported TARGETARCH '${TARGETARCH:-}': only amd64 and arm64 have pinned kubectl/helm checksums; build with docker buildx --platform linux/amd64 or linux/arm64" >&2; exit 1 ;; \
    esac; \
    tmp="$(mktemp -d)"; \
    curl -fsSL --retry 3 --retry-all-errors --connect-timeout 15 --proto '=https' --tlsv1.2 -o "${tmp}/kubectl" \
      "https://dl.k8s.io/release/${KUBECTL_VERSION}/bin/linux/${TARGETARCH}/kubectl"; \
    curl -fsSL --retry 3 --retry-all-errors --connect-timeout 15 --proto '=https' --tlsv1.2 -o "${tmp}/helm.tar.gz" \
      "https://get.helm.sh/helm-${HELM_VERSION}-linux-${TARGETARCH}.tar.gz"; \
    printf '%s  %s\n' "${kubectl_sha256}" "${tmp}/kubectl" "${helm_sha256}" "${tmp}/helm.tar.gz" > "${tmp}/SHA256SUMS"; \
    sha256sum --strict -c "${tmp}/SHA256SUMS"; \
    install -m 0755 "${tmp}/kubectl" /usr/local/bin/kubectl; \
    tar -xzf "${tmp}/helm.tar.gz" -C "${tmp}" "linux-${TARGETARCH}/helm"; \
    install -m 0755 "${tmp}/linux-${TARGETARCH}/helm" /usr/local/bin/helm; \
    rm -rf "${tmp}"; \
    kubectl version --client; \
    helm version --short; \
    python3 -c 'import json, ssl, urllib.request'

# Provenance of the base; the build script adds the revision and version labels.
ARG HERMES_VERSION
LABEL org.opencontainers.image.base.name="docker.io/nousresearch/hermes-agent:${HERMES_VERSION}" \
      org.opencontainers.image.description="Hermes Agent with kubectl and helm"

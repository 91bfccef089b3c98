#!/usr/bin/env bash
# Build the derived Hermes Agent image (./dockerfile) with docker buildx, push it when asked, and record
# what was pushed in image.lock.json. Run with --help for the details.
set -euo pipefail

readonly PROG="build-and-push.sh"
readonly DEFAULT_REPOSITORY="git.rogi.casa/roger/hermes-agent"
readonly DEFAULT_PLATFORMS="linux/amd64"
readonly SUPPORTED_PLATFORMS="linux/amd64 linux/arm64"

# CDPATH= keeps cd from printing (and picking) a CDPATH match; -P resolves symlinks.
ROOT="$(CDPATH='' cd -- "$(dirname -- "${BASH_SOURCE[0]}")" >/dev/null && pwd -P)"
readonly ROOT
readonly DOCKERFILE="$ROOT/dockerfile"
readonly LOCKFILE="$ROOT/image.lock.json"
readonly SITE_FILE="${PLATFORM_ENGINEER_SITE:-$ROOT/site.yaml}"

usage() {
  cat <<'EOF'
Usage: ./build-and-push.sh [options]
       ./build-and-push.sh --update-checksums [--dry-run]

Builds ./dockerfile with `docker buildx build` and tags the result

    <repository>:<HERMES_VERSION>-<git short sha>

where HERMES_VERSION is the `ARG HERMES_VERSION=` line of the dockerfile (the one place the Hermes
version is written) and the short sha is the commit the image is built from (HEAD). A work tree with
uncommitted or untracked changes is refused, because the tag would name a commit the image does not
match; with --allow-dirty the tag gets a "-dirty" suffix instead.

The build context is an empty temporary directory, so nothing from the work tree (.secrets/ included)
can be copied into the image.

Options:
  --push               Push the image and write image.lock.json (see below). Without --push nothing
                       leaves this machine: a single-platform build is loaded into the local Docker
                       (--load), a multi-platform one is built into the build cache only
                       (--output type=cacheonly), because buildx cannot --load a multi-platform image.
  --platform LIST      Comma-separated target platforms, e.g. linux/amd64,linux/arm64.
                       Supported: linux/amd64, linux/arm64 (the dockerfile pins checksums for those).
                       Default: $PLATFORMS, else linux/<node.arch of site.yaml>, else linux/amd64.
  --repository REPO    Image repository without tag, e.g. git.rogi.casa/roger/hermes-agent.
                       Default: $IMAGE_REPOSITORY, else image.repository of site.yaml, else
                       git.rogi.casa/roger/hermes-agent.

site.yaml is the one source: with --push, a repository other than its image.repository, or a platform
list without its node.arch, is refused (synth would refuse the lock). Reading it needs Node.js and
`npm ci`; without a site.yaml the defaults above apply.
  --allow-dirty        Build from a work tree with uncommitted changes (tag suffix "-dirty").
  --dry-run            Print every command (and the lock it would write) without running any; the
                       docker, buildx and login checks are skipped, the git checks are not.
  --update-checksums   Refresh the KUBECTL_SHA256_* and HELM_SHA256_* ARGs of the dockerfile from the
                       checksum files published next to the pinned versions (dl.k8s.io, get.helm.sh),
                       then exit. Renovate runs this after bumping a version (postUpgradeTasks, self-
                       hosted Renovate only); run it by hand otherwise. Needs curl.
  -h, --help           Show this help.

Environment:
  PLATFORMS            Default for --platform.
  IMAGE_REPOSITORY     Default for --repository.
  PLATFORM_ENGINEER_SITE  The site file (default: ./site.yaml next to this script).
  DOCKER_CONFIG        Docker's config directory (default ~/.docker); its config.json is where the
                       registry login is looked up before a push.

image.lock.json (written after a successful --push, 2-space JSON):
  {
    "hermesVersion": "<HERMES_VERSION>",
    "tag": "<HERMES_VERSION>-<git short sha>",
    "repository": "<repository pushed to>",
    "platforms": ["<each platform built>", ...],
    "inputsDigest": "sha256:<sha256 of the dockerfile bytes>",
    "digest": "sha256:<pushed manifest digest, from buildx --metadata-file; omitted if unknown>"
  }
Synth reads the tag from it instead of computing one, so dist/ only changes when an image was
actually built. Commit the lock after pushing. Editing the dockerfile without rebuilding leaves a
stale inputsDigest, which the tests report.

Requirements: git; docker with the buildx plugin; for --push, a `docker login <registry host>`.

Output: progress goes to stderr; the last line on stdout is the image reference built (or, with
--dry-run, the one that would be built).
EOF
}

die() {
  printf '%s: error: %s\n' "$PROG" "$*" >&2
  exit 1
}

log() {
  printf '%s: %s\n' "$PROG" "$*" >&2
}

# Shell-quote one word for display, leaving plain words readable.
quote() {
  if [[ "$1" =~ ^[A-Za-z0-9_./:=,@%+-]+$ ]]; then
    printf '%s' "$1"
  else
    printf "'%s'" "${1//\'/\'\\\'\'}"
  fi
}

show_command() {
  local out="+" word
  for word in "$@"; do
    out+=" $(quote "$word")"
  done
  printf '%s\n' "$out"
}

# Run a command, or only print it with --dry-run. Its stdout goes to stderr, so that stdout carries
# nothing but this script's result.
run() {
  if [[ "$DRY_RUN" == true ]]; then
    show_command "$@"
  else
    show_command "$@" >&2
    "$@" >&2
  fi
}

sha256_of() {
  if command -v sha256sum >/dev/null 2>&1; then
    sha256sum "$1" | awk '{print $1}'
  elif command -v shasum >/dev/null 2>&1; then
    shasum -a 256 "$1" | awk '{print $1}'
  else
    die "neither sha256sum nor shasum is on PATH: install coreutils"
  fi
}

# Value of `ARG NAME=value` in the dockerfile (first match), empty if absent.
dockerfile_arg() {
  awk -v name="$1" '
    index($0, "ARG " name "=") == 1 {
      value = substr($0, length("ARG " name "=") + 1)
      sub(/\r$/, "", value)
      if (value !~ /[ \t]/) { print value }
      exit
    }' "$DOCKERFILE"
}

registry_host() {
  local first="${1%%/*}"
  if [[ "$1" == */* && ( "$first" == *.* || "$first" == *:* || "$first" == localhost ) ]]; then
    printf '%s' "$first"
  else
    printf 'docker.io'
  fi
}

# Is there a login for the registry host in Docker's config (auths / credHelpers entry, or the
# credsStore helper knows the host)?
check_login() {
  local host="$1"
  local config_dir="${DOCKER_CONFIG:-$HOME/.docker}"
  local config="$config_dir/config.json"
  local fix="run: docker login $host"
  [[ "$host" == docker.io ]] && fix="run: docker login"
  [[ -f "$config" ]] || die "not logged in to $host: $config does not exist; $fix (or set DOCKER_CONFIG to the directory holding your config.json)"

  local keys=("$host")
  if [[ "$host" == docker.io ]]; then
    keys=("https://index.docker.io/v1/" "index.docker.io" "docker.io" "registry-1.docker.io")
  fi
  local key escaped
  for key in "${keys[@]}"; do
    escaped="$(printf '%s' "$key" | sed 's/[][\.*^$/]/\\&/g')"
    if grep -Eq "\"(https?://)?${escaped}(/[^\"]*)?\"[[:space:]]*:" "$config"; then
      return 0
    fi
  done

  local store
  store="$(grep -Eo '"credsStore"[[:space:]]*:[[:space:]]*"[^"]+"' "$config" | sed -E 's/.*"([^"]+)"$/\1/' || true)"
  if [[ -n "$store" ]]; then
    if command -v "docker-credential-$store" >/dev/null 2>&1; then
      local listed
      listed="$("docker-credential-$store" list 2>/dev/null || true)"
      for key in "${keys[@]}"; do
        if [[ "$listed" == *"$key"* ]]; then
          return 0
        fi
      done
      die "not logged in to $host: the credential store '$store' has no entry for it; $fix"
    fi
    die "not logged in to $host: $config names credsStore '$store' but docker-credential-$store is not on PATH; $fix"
  fi
  die "not logged in to $host: no auths or credHelpers entry for it in $config; $fix"
}

update_checksums() {
  local kubectl_version helm_version
  kubectl_version="$(dockerfile_arg KUBECTL_VERSION)"
  helm_version="$(dockerfile_arg HELM_VERSION)"
  [[ -n "$kubectl_version" ]] || die "no 'ARG KUBECTL_VERSION=' line in $DOCKERFILE"
  [[ -n "$helm_version" ]] || die "no 'ARG HELM_VERSION=' line in $DOCKERFILE"
  if [[ "$DRY_RUN" != true ]]; then
    command -v curl >/dev/null 2>&1 || die "curl is not on PATH: install curl to fetch the published checksums"
  fi

  local names=() values=()
  local arch upper url name body sum
  for arch in amd64 arm64; do
    upper="$(printf '%s' "$arch" | tr '[:lower:]' '[:upper:]')"
    for name in KUBECTL HELM; do
      if [[ "$name" == KUBECTL ]]; then
        url="https://dl.k8s.io/release/${kubectl_version}/bin/linux/${arch}/kubectl.sha256"
      else
        url="https://get.helm.sh/helm-${helm_version}-linux-${arch}.tar.gz.sha256sum"
      fi
      [[ -n "$(dockerfile_arg "${name}_SHA256_${upper}")" ]] || die "no 'ARG ${name}_SHA256_${upper}=' line in $DOCKERFILE"
      if [[ "$DRY_RUN" == true ]]; then
        show_command curl -fsSL --proto =https --tlsv1.2 "$url"
        continue
      fi
      show_command curl -fsSL --proto =https --tlsv1.2 "$url" >&2
      body="$(curl -fsSL --proto '=https' --tlsv1.2 "$url")" || die "could not download $url"
      sum="$(printf '%s\n' "$body" | awk 'NR == 1 {print $1}')"
      [[ "$sum" =~ ^[0-9a-f]{64}$ ]] || die "$url did not contain a SHA-256 (got: ${body:0:80})"
      names+=("${name}_SHA256_${upper}")
      values+=("$sum")
    done
  done

  if [[ "$DRY_RUN" == true ]]; then
    show_command rewrite "$DOCKERFILE" KUBECTL_SHA256_AMD64 KUBECTL_SHA256_ARM64 HELM_SHA256_AMD64 HELM_SHA256_ARM64
    return 0
  fi

  local tmp i
  # Outside the work tree, and removed on any exit: a failure must not leave the tree dirty.
  CHECKSUM_TMP="$(mktemp)"
  trap 'rm -f "$CHECKSUM_TMP" "$CHECKSUM_TMP.next"' EXIT
  tmp="$CHECKSUM_TMP"
  cp "$DOCKERFILE" "$tmp"
  for i in "${!names[@]}"; do
    awk -v name="${names[$i]}" -v value="${values[$i]}" '
      index($0, "ARG " name "=") == 1 { print "ARG " name "=" value; next }
      { print }' "$tmp" >"$tmp.next"
    mv "$tmp.next" "$tmp"
    log "ARG ${names[$i]}=${values[$i]}"
  done
  if cmp -s "$tmp" "$DOCKERFILE"; then
    rm -f "$tmp"
    log "checksums already up to date"
  else
    cat "$tmp" >"$DOCKERFILE"
    rm -f "$tmp"
    log "dockerfile updated: review the diff, then rebuild with ./build-and-push.sh --push (image.lock.json's inputsDigest no longer matches)"
  fi
}

# ---------------------------------------------------------------- arguments
PUSH=false
DRY_RUN=false
ALLOW_DIRTY=false
UPDATE_CHECKSUMS=false
SITE_REPOSITORY=""
SITE_ARCH=""
if [[ -f "$SITE_FILE" ]]; then
  command -v node >/dev/null 2>&1 || die "node is not on PATH: install Node.js (see README) to read $SITE_FILE"
  site_values="$(node "$ROOT/scripts/site-image.cjs" "$SITE_FILE")" || die "cannot read image.repository and node.arch from $SITE_FILE (see above)"
  SITE_REPOSITORY="$(printf '%s\n' "$site_values" | sed -n 1p)"
  SITE_ARCH="$(printf '%s\n' "$site_values" | sed -n 2p)"
fi
PLATFORMS_ARG="${PLATFORMS:-${SITE_ARCH:+linux/$SITE_ARCH}}"
PLATFORMS_ARG="${PLATFORMS_ARG:-$DEFAULT_PLATFORMS}"
REPOSITORY="${IMAGE_REPOSITORY:-${SITE_REPOSITORY:-$DEFAULT_REPOSITORY}}"

need_value() {
  [[ $# -ge 2 && -n "$2" && "$2" != --* ]] || die "$1 needs a value (see --help)"
}

while [[ $# -gt 0 ]]; do
  case "$1" in
    --push) PUSH=true; shift ;;
    --dry-run) DRY_RUN=true; shift ;;
    --allow-dirty) ALLOW_DIRTY=true; shift ;;
    --update-checksums) UPDATE_CHECKSUMS=true; shift ;;
    --platform) need_value "$@"; PLATFORMS_ARG="$2"; shift 2 ;;
    --platform=*) PLATFORMS_ARG="${1#*=}"; shift ;;
    --repository) need_value "$@"; REPOSITORY="$2"; shift 2 ;;
    --repository=*) REPOSITORY="${1#*=}"; shift ;;
    -h | --help) usage; exit 0 ;;
    *) printf '%s: error: unknown argument %s (see --help)\n' "$PROG" "$(quote "$1")" >&2; exit 2 ;;
  esac
done

[[ -f "$DOCKERFILE" ]] || die "$DOCKERFILE not found: run the script from the project checkout"

if [[ "$UPDATE_CHECKSUMS" == true ]]; then
  [[ "$PUSH" == false ]] || die "--update-checksums only edits the dockerfile; run --push separately afterwards"
  update_checksums
  exit 0
fi

# ---------------------------------------------------------------- inputs
HERMES_VERSION="$(dockerfile_arg HERMES_VERSION)"
[[ -n "$HERMES_VERSION" ]] || die "no 'ARG HERMES_VERSION=<version>' line in $DOCKERFILE"
[[ "$HERMES_VERSION" =~ ^[A-Za-z0-9_][A-Za-z0-9_.-]*$ && "$HERMES_VERSION" != latest ]] \
  || die "ARG HERMES_VERSION=$HERMES_VERSION is not a pinned release tag"

[[ "$REPOSITORY" =~ ^[a-z0-9.-]+(:[0-9]+)?(/[a-z0-9._-]+)+$ ]] \
  || die "repository '$REPOSITORY' is not a registry path like git.rogi.casa/roger/hermes-agent (no tag, lower case); fix --repository or IMAGE_REPOSITORY"

[[ "$PLATFORMS_ARG" != *$'\n'* ]] || die "--platform must be one line, e.g. linux/amd64,linux/arm64"
IFS=',' read -r -a platform_list <<<"$PLATFORMS_ARG"
[[ ${#platform_list[@]} -gt 0 ]] || die "no platform given; use e.g. --platform linux/amd64"
seen=" "
for platform in "${platform_list[@]}"; do
  [[ " $SUPPORTED_PLATFORMS " == *" $platform "* ]] \
    || die "unsupported platform '$platform': supported are ${SUPPORTED_PLATFORMS// /, } (the dockerfile pins kubectl/helm checksums only for those); fix --platform or PLATFORMS"
  [[ "$seen" != *" $platform "* ]] || die "platform '$platform' is listed twice"
  seen+="$platform "
done
[[ "$PLATFORMS_ARG" != *, && "$PLATFORMS_ARG" != ,* && "$PLATFORMS_ARG" != *,,* ]] || die "--platform has an empty entry: '$PLATFORMS_ARG'"
# Pass buildx exactly the list that was validated.
PLATFORMS_ARG="$(IFS=,; printf '%s' "${platform_list[*]}")"
MULTI_PLATFORM=false
[[ ${#platform_list[@]} -gt 1 ]] && MULTI_PLATFORM=true

# A pushed lock must match the site, or synth refuses it: refuse here, before anything is built or pushed.
if [[ "$PUSH" == true && -n "$SITE_REPOSITORY" ]]; then
  [[ "$REPOSITORY" == "$SITE_REPOSITORY" ]] \
    || die "repository '$REPOSITORY' is not image.repository of $SITE_FILE, so synth would refuse the lock; change image.repository in the site file instead of --repository/IMAGE_REPOSITORY"
  [[ " ${platform_list[*]} " == *" linux/$SITE_ARCH "* ]] \
    || die "the platforms do not include linux/$SITE_ARCH, the node.arch of $SITE_FILE, so the pod could not run the image; add it to --platform/PLATFORMS"
fi

command -v git >/dev/null 2>&1 || die "git is not on PATH: install git"
git -C "$ROOT" rev-parse --is-inside-work-tree >/dev/null 2>&1 \
  || die "$ROOT is not a git work tree: the image tag names the commit it is built from"
git -C "$ROOT" rev-parse --verify --quiet HEAD >/dev/null \
  || die "the repository has no commit yet: commit the dockerfile first"
FULL_SHA="$(git -C "$ROOT" rev-parse HEAD)"
SHORT_SHA="$(git -C "$ROOT" rev-parse --short=7 HEAD)"

DIRTY_SUFFIX=""
changes="$(git -C "$ROOT" status --porcelain)"
if [[ -n "$changes" ]]; then
  if [[ "$ALLOW_DIRTY" != true ]]; then
    printf '%s\n' "$changes" | sed 's/^/    /' >&2
    die "the work tree has uncommitted changes (listed above), so tag ...-$SHORT_SHA would not describe the image; commit or stash them, or pass --allow-dirty (the tag then ends in -dirty)"
  fi
  DIRTY_SUFFIX="-dirty"
  log "warning: building from a dirty work tree (--allow-dirty); the tag ends in -dirty"
fi

TAG="${HERMES_VERSION}-${SHORT_SHA}${DIRTY_SUFFIX}"
REF="${REPOSITORY}:${TAG}"
INPUTS_DIGEST="sha256:$(sha256_of "$DOCKERFILE")"

# ---------------------------------------------------------------- preflight
if [[ "$DRY_RUN" != true ]]; then
  command -v docker >/dev/null 2>&1 \
    || die "docker is not on PATH: install Docker Engine (or Docker Desktop) with the buildx plugin"
  docker buildx version >/dev/null 2>&1 \
    || die "docker buildx is not available ('docker buildx version' failed): install the buildx plugin (Debian/Ubuntu: apt-get install docker-buildx-plugin; see https://docs.docker.com/build/install-buildx/)"
  if [[ "$PUSH" == true ]]; then
    check_login "$(registry_host "$REPOSITORY")"
  fi
fi

WORK_DIR="$(mktemp -d)"
cleanup() { rm -rf "$WORK_DIR"; }
trap cleanup EXIT
CONTEXT_DIR="$WORK_DIR/context"
METADATA_FILE="$WORK_DIR/metadata.json"
mkdir "$CONTEXT_DIR"

# ---------------------------------------------------------------- build
build=(docker buildx build
  --file "$DOCKERFILE"
  --platform "$PLATFORMS_ARG"
  --pull
  --tag "$REF"
  --label "org.opencontainers.image.revision=$FULL_SHA"
  --label "org.opencontainers.image.version=$TAG")
if [[ "$PUSH" == true ]]; then
  build+=(--push --metadata-file "$METADATA_FILE")
elif [[ "$MULTI_PLATFORM" == true ]]; then
  build+=(--output type=cacheonly)
else
  build+=(--load)
fi
build+=("$CONTEXT_DIR")

run "${build[@]}" || die "docker buildx build failed (see its output above); image.lock.json was not changed"

# ---------------------------------------------------------------- lock
if [[ "$PUSH" == true ]]; then
  DIGEST=""
  if [[ "$DRY_RUN" == true ]]; then
    show_command write "$LOCKFILE" "hermesVersion=$HERMES_VERSION" "tag=$TAG" "repository=$REPOSITORY" "platforms=$PLATFORMS_ARG" "inputsDigest=$INPUTS_DIGEST" "digest=<containerimage.digest from $METADATA_FILE>"
  else
    if [[ -f "$METADATA_FILE" ]]; then
      DIGEST="$(grep -Eo '"containerimage\.digest"[[:space:]]*:[[:space:]]*"sha256:[0-9a-f]{64}"' "$METADATA_FILE" \
        | grep -Eo 'sha256:[0-9a-f]{64}' | head -n 1 || true)"
    fi
    [[ -n "$DIGEST" ]] || log "warning: buildx reported no containerimage.digest; image.lock.json is written without \"digest\""
    {
      printf '{\n'
      printf '  "hermesVersion": "%s",\n' "$HERMES_VERSION"
      printf '  "tag": "%s",\n' "$TAG"
      printf '  "repository": "%s",\n' "$REPOSITORY"
      printf '  "platforms": [\n'
      for i in "${!platform_list[@]}"; do
        printf '    "%s"%s\n' "${platform_list[$i]}" "$([[ $i -lt $((${#platform_list[@]} - 1)) ]] && printf ',')"
      done
      printf '  ],\n'
      if [[ -n "$DIGEST" ]]; then
        printf '  "inputsDigest": "%s",\n' "$INPUTS_DIGEST"
        printf '  "digest": "%s"\n' "$DIGEST"
      else
        printf '  "inputsDigest": "%s"\n' "$INPUTS_DIGEST"
      fi
      printf '}\n'
    } >"$LOCKFILE.tmp"
    mv "$LOCKFILE.tmp" "$LOCKFILE"
    log "pushed $REF${DIGEST:+ ($DIGEST)}; wrote image.lock.json: commit it"
  fi
elif [[ "$DRY_RUN" != true ]]; then
  if [[ "$MULTI_PLATFORM" == true ]]; then
    log "built $REF for $PLATFORMS_ARG into the build cache only (not pushed: use --push)"
  else
    log "built $REF and loaded it into the local Docker (not pushed: use --push)"
  fi
fi

printf '%s\n' "$REF"

#!/usr/bin/env bash
# Builds the image and pushes it to GHCR as ghcr.io/OWNER/deliberate:sha-<7> (and :VERSION, :MAJOR.MINOR,
# :latest for a release), the same tags as the release workflow.
#
#   GHCR_TOKEN=<classic PAT with write:packages> scripts/push-ghcr.sh OWNER [vX.Y.Z]
#
# GHCR_USER (default OWNER) logs in; without GHCR_TOKEN an existing `docker login ghcr.io` is used.
# IMAGE_NAME (default deliberate) and SOURCE_REPO (default OWNER/IMAGE_NAME, for the OCI source label
# that links the package to its repository). DRY_RUN=1 prints the commands instead of running them.
set -euo pipefail

usage() { echo "usage: GHCR_TOKEN=... $0 OWNER [vX.Y.Z]" >&2; exit 2; }
[ "$#" -ge 1 ] && [ "$#" -le 2 ] || usage
# GHCR names are lowercase only.
owner="$(printf '%s' "$1" | tr '[:upper:]' '[:lower:]')"
version="${2:-}"
name="${IMAGE_NAME:-deliberate}"
image="ghcr.io/$owner/$name"
cd "$(dirname "$0")/.."

run() {
  if [ "${DRY_RUN:-}" = 1 ]; then printf '+'; printf ' %q' "$@"; printf '\n'; else "$@"; fi
}

revision="$(git rev-parse HEAD)"
names=("$image:sha-${revision:0:7}")
if [ -n "$version" ]; then
  if ! [[ "$version" =~ ^v?([0-9]+)\.([0-9]+)\.([0-9]+)(-[0-9A-Za-z.-]+)?$ ]]; then
    echo "push-ghcr: '$version' is not a semantic version (vX.Y.Z)" >&2
    exit 2
  fi
  version="${version#v}"
  names+=("$image:$version")
  # Pre-releases get only their own tag; releases also MAJOR.MINOR and latest, as docker/metadata-action does.
  if [ -z "${BASH_REMATCH[4]}" ]; then names+=("$image:${BASH_REMATCH[1]}.${BASH_REMATCH[2]}" "$image:latest"); fi
fi
tags=()
for n in "${names[@]}"; do tags+=(-t "$n"); done
if [ -n "$(git status --porcelain --untracked-files=no)" ]; then
  echo "push-ghcr: warning: uncommitted changes are built but not in the sha tag's commit" >&2
fi

if [ -n "${GHCR_TOKEN:-}" ]; then
  if [ "${DRY_RUN:-}" = 1 ]; then
    echo "+ docker login ghcr.io -u ${GHCR_USER:-$owner} --password-stdin"
  else
    printf '%s' "$GHCR_TOKEN" | docker login ghcr.io -u "${GHCR_USER:-$owner}" --password-stdin
  fi
fi

run docker buildx build --platform linux/amd64 --push \
  --build-arg "IMAGE_SOURCE=https://github.com/${SOURCE_REPO:-$owner/$name}" \
  --build-arg "IMAGE_VERSION=${version:-sha-${revision:0:7}}" \
  --build-arg "IMAGE_REVISION=$revision" \
  "${tags[@]}" .
echo "push-ghcr: ${DRY_RUN:+would have }pushed ${names[*]}" >&2

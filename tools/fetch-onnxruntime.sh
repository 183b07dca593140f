#!/usr/bin/env bash
# Fetches the ONNX Runtime native library (CPU, linux-x64) that MLAugment.Onnx binds to.
# Source: the npm package onnxruntime-node, which ships libonnxruntime.so.1 inside its tarball.
# Idempotent: does nothing when the library of this version is already in place. Prints the library path.
#   usage: tools/fetch-onnxruntime.sh            (override version with ORT_VERSION=1.22.0)
set -euo pipefail

ORT_VERSION="${ORT_VERSION:-1.22.0}"
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEST="$REPO_ROOT/.tools/onnxruntime"
LIB="$DEST/libonnxruntime.so.1"
STAMP="$DEST/VERSION"

case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) PLATFORM_DIR="linux/x64" ;;
  Linux-aarch64) PLATFORM_DIR="linux/arm64" ;;
  *) echo "fetch-onnxruntime.sh: unsupported platform $(uname -s)-$(uname -m)" >&2; exit 1 ;;
esac

if [[ -f "$LIB" && -f "$STAMP" && "$(cat "$STAMP")" == "$ORT_VERSION $PLATFORM_DIR" ]]; then
  echo "$LIB"
  exit 0
fi

command -v npm >/dev/null || { echo "fetch-onnxruntime.sh: npm is required (apt-get install npm)" >&2; exit 1; }

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
# npm pack only downloads the tarball; no install scripts run.
(cd "$WORK" && npm pack --silent "onnxruntime-node@$ORT_VERSION" >/dev/null)
TARBALL="$(ls "$WORK"/onnxruntime-node-*.tgz)"
MEMBER="package/bin/napi-v6/$PLATFORM_DIR/libonnxruntime.so.1"
tar -xzf "$TARBALL" -C "$WORK" "$MEMBER" || {
  echo "fetch-onnxruntime.sh: $MEMBER not found in onnxruntime-node@$ORT_VERSION" >&2; exit 1; }

mkdir -p "$DEST"
mv -f "$WORK/$MEMBER" "$LIB.tmp"
mv -f "$LIB.tmp" "$LIB"
echo "$ORT_VERSION $PLATFORM_DIR" > "$STAMP"
echo "$LIB"

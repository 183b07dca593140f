#!/usr/bin/env bash
# Runs the MLAugment demo on a fresh machine: installs Fashion-MNIST from Debian when missing, builds the CLI, and runs
# `mlaugment demo` (a reduced long-tail experiment on the embedded model). Extra arguments go to `mlaugment demo`.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -d /usr/share/datasets/fashion-mnist ] && [ -z "${MLAUGMENT_FASHION_MNIST:-}" ]; then
  if [ "$(id -u)" = 0 ]; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dataset-fashion-mnist) >/dev/null
  else
    echo "demo.sh: Fashion-MNIST is missing; run 'sudo apt-get install dataset-fashion-mnist' (or set MLAUGMENT_FASHION_MNIST)." >&2
    exit 1
  fi
fi
dotnet build -c Release src/MLAugment.Cli -v q -nologo >/dev/null
exec dotnet src/MLAugment.Cli/bin/Release/net10.0/mlaugment.dll demo "$@"

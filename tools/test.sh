#!/usr/bin/env bash
# Runs every test project of MLAugment on a fresh machine: installs what the tests need, builds, tests,
# and ends with one summary line "N passed, N failed, N skipped".
set -uo pipefail
cd "$(dirname "$0")/.."

# Native ONNX Runtime (from the onnxruntime-node npm tarball) for the ONNX backend tests.
if [ -x tools/fetch-onnxruntime.sh ]; then
  bash tools/fetch-onnxruntime.sh >/dev/null || { echo "test.sh: could not fetch ONNX Runtime"; echo "0 passed, 1 failed"; exit 1; }
fi
# Fashion-MNIST for the tests that read the real IDX files.
if [ ! -d /usr/share/datasets/fashion-mnist ] && [ "$(id -u)" = 0 ]; then
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dataset-fashion-mnist) >/dev/null 2>&1 || true
fi

log=$(mktemp)
dotnet test MLAugment.sln -c Release 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
passed=$(grep -Eo 'Passed: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
failed=$(grep -Eo 'Failed: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
skipped=$(grep -Eo 'Skipped: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
if [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then
  echo "test.sh: dotnet test exited $rc without failing tests (build error or test host crash); see above."
  failed=1
fi
rm -f "$log"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]

#!/usr/bin/env bash
# One command for a newcomer: install, build, and compress the sample project for a query
# with the embedded model. Usage: bash tools/demo.sh ["your query"] [ratio]
set -euo pipefail
cd "$(dirname "$0")/.."
query=${1:-"How are incoming requests matched to a route handler, and how are path parameters extracted?"}
ratio=${2:-0.3}
if [ ! -d node_modules/@huggingface/transformers ] || [ ! -d node_modules/web-tree-sitter ]; then
  # onnxruntime-node's install script would fetch CUDA binaries: not needed (CPU binaries ship in the package).
  # Its output goes to stderr: stdout carries the compressed context alone (pipe it anywhere).
  ONNXRUNTIME_NODE_INSTALL_CUDA=skip npm ci --no-audit --no-fund >&2
fi
npm run build --silent >&2
echo "contextzip compress --query \"$query\" --ratio $ratio test/fixtures/sample-project" >&2
echo >&2
node dist/cli.js compress --query "$query" --ratio "$ratio" test/fixtures/sample-project

#!/usr/bin/env bash
# Vendor the pinned browser libraries from the npm registry into site/static/vendor (no CDN).
# The built files are committed, so `make run` does not need Node; run this after changing
# frontend/package.json and commit the result.
set -euo pipefail
cd "$(dirname "$0")/../frontend"
npm ci --no-audit --no-fund --silent
mkdir -p ../site/static/vendor
cp node_modules/tus-js-client/dist/tus.min.js ../site/static/vendor/tus.min.js
echo "site/static/vendor: $(ls ../site/static/vendor | tr '\n' ' ')"

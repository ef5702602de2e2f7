#!/usr/bin/env bash
# Vendor the pinned browser libraries from the npm registry into site/static/vendor (no CDN).
# The built files are committed, so `make run` does not need Node; run this after changing
# frontend/package.json and commit the result.
set -euo pipefail
cd "$(dirname "$0")/../frontend"
npm ci --no-audit --no-fund --silent
mkdir -p ../site/static/vendor
cp node_modules/tus-js-client/dist/tus.min.js ../site/static/vendor/tus.min.js
# The light build (no subtitles, alternate audio, DRM): enough for the ladder media_pipeline makes.
cp node_modules/hls.js/dist/hls.light.min.js ../site/static/vendor/hls.light.min.js
# The source maps are not vendored: drop the comments naming them, or collectstatic's manifest storage
# (production) fails on the missing files and no page can be served.
sed -i '/^\/\/# sourceMappingURL=/d' ../site/static/vendor/*.js
echo "site/static/vendor: $(ls ../site/static/vendor | tr '\n' ' ')"

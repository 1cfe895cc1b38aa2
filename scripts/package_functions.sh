#!/usr/bin/env bash
# Stage the Azure Functions app in build/functions: function_app.py, host.json,
# requirements.txt and the stadiumflow package beside them (the Functions host imports
# from the app root; the offline tools and what only they use (simulation, training,
# reporting) stay out: the functions never import them).
#   scripts/package_functions.sh && cd build/functions && func azure functionapp publish <APP>
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=build/functions
rm -rf "$OUT"
mkdir -p "$OUT"
cp function_app.py host.json requirements.txt "$OUT"/
cp -r src/stadiumflow "$OUT"/stadiumflow
rm -rf "$OUT"/stadiumflow/simulation "$OUT"/stadiumflow/training "$OUT"/stadiumflow/reporting \
    "$OUT"/stadiumflow/entrypoints/tools
find "$OUT" -name __pycache__ -type d -prune -exec rm -rf {} +
printf '.venv\nlocal.settings.json\n__pycache__\n' > "$OUT"/.funcignore
echo "staged in $OUT"

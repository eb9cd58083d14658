#!/usr/bin/env bash
# Executes every notebook in this folder headless, as CI does, and exits non-zero if any cell of
# any notebook fails. Executed copies (with their outputs) go to notebooks/.executed/, which git
# ignores: the committed notebooks carry no outputs. Needs notebooks/setup.sh to have run.
set -euo pipefail
cd "$(dirname "$0")"

for tool in jupyter tslab; do
  if ! command -v "$tool" >/dev/null; then
    echo "notebooks: $tool is not installed; run notebooks/setup.sh first" >&2
    exit 1
  fi
done
# This folder's kernelspec first, so the kernel that runs is the committed one, whatever else is
# registered under the same name.
export JUPYTER_PATH="$PWD/jupyter${JUPYTER_PATH:+:$JUPYTER_PATH}"

failed=()
for notebook in *.ipynb; do
  started=$SECONDS
  if jupyter nbconvert --to notebook --execute "$notebook" --output-dir .executed \
    --ExecutePreprocessor.timeout=600 --log-level=WARN; then
    echo "notebooks: $notebook ran in $((SECONDS - started)) s"
  else
    failed+=("$notebook")
    # tslab's error replies carry no message: the error is in the cell's stderr, which nbconvert
    # does not print. Run it again keeping the outputs, and print the stderr up to the failure.
    jupyter nbconvert --to notebook --execute "$notebook" --output-dir .executed \
      --ExecutePreprocessor.timeout=600 --allow-errors --log-level=ERROR || true
    /usr/bin/python3 -c '
import json, sys
for cell in json.load(open(sys.argv[1]))["cells"]:
    for output in cell.get("outputs", []):
        if output.get("name") == "stderr":
            sys.stderr.write("".join(output["text"]))' ".executed/$notebook"
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "notebooks: failed: ${failed[*]} (executed copies in notebooks/.executed/)" >&2
  exit 1
fi

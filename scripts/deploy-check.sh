#!/usr/bin/env bash
# Validates deploy/k8s/*.yaml against the Kubernetes schemas (strict), offline.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv-deploy/bin/kubernetes-validate ]; then
  echo "    creating .venv-deploy for kubernetes-validate"
  .venv/bin/python -m venv .venv-deploy
  .venv-deploy/bin/pip install --quiet --disable-pip-version-check -r deploy/requirements.txt 2>&1 \
    | { grep -v "is ignored" || true; }
fi
.venv-deploy/bin/kubernetes-validate --strict --kubernetes-version 1.30.0 deploy/k8s/*.yaml

#!/bin/bash
# The cron-seed Job (ArgoCD PostSync hook): waits for the Hermes pod, then runs the seeder inside it.
# The seeder converges Hermes' own cron store; running this Job twice changes nothing the second time.
set -euo pipefail
: "${NAMESPACE:?}" "${DEPLOYMENT:?}" "${POD_SELECTOR:?}" "${CONTAINER:?}"

echo "waiting for deployment/${DEPLOYMENT} in ${NAMESPACE}"
kubectl -n "${NAMESPACE}" rollout status "deployment/${DEPLOYMENT}" --timeout=600s
# Recreate strategy: once the rollout is complete the only Running pod is the new, Ready one.
pod=$(kubectl -n "${NAMESPACE}" get pods -l "${POD_SELECTOR}" --field-selector=status.phase=Running -o name | head -n 1)
if [ -z "${pod}" ]; then
  echo "no running pod matches ${POD_SELECTOR}" >&2
  exit 1
fi
echo "seeding cron jobs in ${pod}"
kubectl -n "${NAMESPACE}" exec "${pod}" -c "${CONTAINER}" -- python3 /opt/seed/seed_cron.py

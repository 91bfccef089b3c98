#!/bin/bash
# The cron-seed Job (ArgoCD PostSync hook): waits for the Hermes pod, then runs the seeder inside it.
# The seeder converges Hermes' own cron store; running this Job twice changes nothing the second time.
set -euo pipefail
: "${NAMESPACE:?}" "${DEPLOYMENT:?}" "${POD_SELECTOR:?}" "${CONTAINER:?}"

echo "waiting for deployment/${DEPLOYMENT} in ${NAMESPACE}"
kubectl -n "${NAMESPACE}" rollout status "deployment/${DEPLOYMENT}" --timeout=600s
pod=$(kubectl -n "${NAMESPACE}" get pods -l "${POD_SELECTOR}" --field-selector=status.phase=Running \
  -o jsonpath='{.items[0].metadata.name}')
if [ -z "${pod}" ]; then
  echo "no running pod matches ${POD_SELECTOR}" >&2
  exit 1
fi
kubectl -n "${NAMESPACE}" wait --for=condition=Ready "pod/${pod}" --timeout=300s
echo "seeding cron jobs in pod/${pod}"
kubectl -n "${NAMESPACE}" exec "${pod}" -c "${CONTAINER}" -- python3 /opt/seed/seed_cron.py

#!/bin/bash
# The cron-seed Job (ArgoCD Sync hook, in the Deployment's wave): waits for what the seeder needs, then runs it
# inside the Hermes pod. It needs the gateway container running and its /health answering, not pod readiness:
# readiness is the dashboard's port, and a broken dashboard must not keep the watchdogs from being seeded.
# The seeder converges Hermes' own cron store; running this Job twice changes nothing the second time.
set -euo pipefail
: "${NAMESPACE:?}" "${DEPLOYMENT:?}" "${POD_SELECTOR:?}" "${CONTAINER:?}" "${GATEWAY_PORT:?}"
wait_seconds="${SEED_WAIT_SECONDS:-600}"
poll_seconds="${SEED_POLL_SECONDS:-5}"
deadline=$((SECONDS + wait_seconds))

give_up() {
  echo "gave up after ${wait_seconds}s waiting for $1" >&2
  exit 1
}

# 1. The rollout has replaced the pod (Recreate: after it, the only pod left is the new one). Not `rollout status`:
#    that waits for readiness.
echo "waiting for deployment/${DEPLOYMENT} in ${NAMESPACE} to roll out its current generation (not for readiness)"
rollout_done() {
  local fields generation observed desired updated total
  # jsonpath prints no final newline; a failed call prints nothing, and the comparison below fails.
  fields=$(kubectl -n "${NAMESPACE}" get "deployment/${DEPLOYMENT}" \
    -o jsonpath='{.metadata.generation}/{.status.observedGeneration}/{.spec.replicas}/{.status.updatedReplicas}/{.status.replicas}') || return 1
  IFS=/ read -r generation observed desired updated total <<<"${fields}"
  [ -n "${generation}" ] && [ "${observed}" = "${generation}" ] && [ "${updated}" = "${desired}" ] && [ "${total}" = "${desired}" ]
}
until rollout_done; do
  [ "${SECONDS}" -lt "${deadline}" ] || give_up "deployment/${DEPLOYMENT} to roll out"
  sleep "${poll_seconds}"
done

# 2. A pod that is not terminating, with the gateway container running.
echo "waiting for container ${CONTAINER} to be running in a pod matching ${POD_SELECTOR}"
pod=""
while [ -z "${pod}" ]; do
  pod=$(kubectl -n "${NAMESPACE}" get pods -l "${POD_SELECTOR}" \
    -o jsonpath="{range .items[*]}{.metadata.name}|{.metadata.deletionTimestamp}|{.status.containerStatuses[?(@.name==\"${CONTAINER}\")].state.running.startedAt}{\"\\n\"}{end}" |
    awk -F'|' '$1 != "" && $2 == "" && $3 != "" { print $1; exit }') || pod=""
  if [ -z "${pod}" ]; then
    [ "${SECONDS}" -lt "${deadline}" ] || give_up "container ${CONTAINER} to run"
    sleep "${poll_seconds}"
  fi
done

# 3. The gateway answers (public endpoint; curl is in the image).
echo "waiting for the gateway in pod/${pod}: GET http://127.0.0.1:${GATEWAY_PORT}/health"
until kubectl -n "${NAMESPACE}" exec "${pod}" -c "${CONTAINER}" -- curl -fsS --max-time 5 "http://127.0.0.1:${GATEWAY_PORT}/health" >/dev/null; do
  [ "${SECONDS}" -lt "${deadline}" ] || give_up "the gateway's /health in pod/${pod}"
  sleep "${poll_seconds}"
done

echo "gateway healthy in pod/${pod}; seeding cron jobs"
kubectl -n "${NAMESPACE}" exec "${pod}" -c "${CONTAINER}" -- python3 /opt/seed/seed_cron.py

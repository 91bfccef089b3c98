/**
 * The Kubernetes minor version the cluster runs. kubectl in the image (dockerfile, ARG KUBECTL_VERSION) is pinned to
 * this minor, and renovate.json only allows patch updates within it; test/image/dockerfile.test.ts checks both.
 * Upgrading the cluster means changing this, the dockerfile pin and renovate.json's allowedVersions together.
 */
export const clusterKubernetesMinor = '1.35';

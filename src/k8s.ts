// The typed Kubernetes 1.30 objects that ship inside cdk8s-plus-30 (its L1 layer). Imported from the module file
// directly: the package index also loads every L2 construct, which this project does not use (see README).
export * from 'cdk8s-plus-30/lib/imports/k8s';

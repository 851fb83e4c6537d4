# Pinned versions of the local control plane. Changing one changes the cache key.
KUBE_VERSION=v1.36.1
ETCD_VERSION=v3.6.16
KWOK_VERSION=v0.8.0
BIN_KEY="k8s-${KUBE_VERSION}_etcd-${ETCD_VERSION}_kwok-${KWOK_VERSION}"

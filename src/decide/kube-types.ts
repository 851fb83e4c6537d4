/**
 * Minimal structural views of the Kubernetes objects the decision code reads.
 *
 * These mirror the API JSON (camelCase field names) and are deliberately
 * loose: every field is optional and read-only, so that both raw watch JSON
 * and @kubernetes/client-node model instances (V1Deployment, V1ReplicaSet,
 * V1Pod, V1Namespace) are assignable to them. Decision code must not import
 * @kubernetes/client-node; test/unit/decide/kube-types-compat.test.ts checks
 * assignability at compile time.
 *
 * Timestamps are `string | Date`: objects returned by client-node's list/get
 * calls carry Date instances, raw watch events carry RFC 3339 strings.
 */

export type KubeTime = string | Date;

export type StringMap = Readonly<Record<string, string>>;

export interface KubeOwnerReference {
  readonly apiVersion?: string;
  readonly kind?: string;
  readonly name?: string;
  readonly uid?: string;
  readonly controller?: boolean;
  readonly blockOwnerDeletion?: boolean;
}

export interface KubeObjectMeta {
  readonly name?: string;
  readonly namespace?: string;
  readonly uid?: string;
  readonly labels?: StringMap;
  readonly annotations?: StringMap;
  readonly resourceVersion?: string;
  readonly generation?: number;
  readonly creationTimestamp?: KubeTime | null;
  readonly deletionTimestamp?: KubeTime | null;
  readonly ownerReferences?: readonly KubeOwnerReference[];
}

export interface KubeContainer {
  readonly name?: string;
  readonly image?: string;
}

/** Only the fields the decisions read; the rest of the pod spec is carried through untouched. */
export interface KubePodSpec {
  readonly containers?: readonly KubeContainer[];
  readonly initContainers?: readonly KubeContainer[];
}

export interface KubePodTemplateSpec {
  readonly metadata?: KubeObjectMeta;
  readonly spec?: KubePodSpec;
}

export interface KubeLabelSelectorRequirement {
  readonly key?: string;
  readonly operator?: string;
  readonly values?: readonly string[];
}

export interface KubeLabelSelector {
  readonly matchLabels?: StringMap;
  readonly matchExpressions?: readonly KubeLabelSelectorRequirement[];
}

export interface KubeCondition {
  readonly type?: string;
  readonly status?: string;
  readonly reason?: string;
  readonly message?: string;
  readonly lastTransitionTime?: KubeTime;
  readonly lastUpdateTime?: KubeTime;
}

export interface KubeDeploymentSpec {
  readonly replicas?: number;
  readonly paused?: boolean;
  readonly selector?: KubeLabelSelector;
  readonly template?: KubePodTemplateSpec;
  readonly minReadySeconds?: number;
  readonly revisionHistoryLimit?: number;
  readonly progressDeadlineSeconds?: number;
}

export interface KubeDeploymentStatus {
  readonly observedGeneration?: number;
  readonly replicas?: number;
  readonly updatedReplicas?: number;
  readonly readyReplicas?: number;
  readonly availableReplicas?: number;
  readonly unavailableReplicas?: number;
  readonly conditions?: readonly KubeCondition[];
}

export interface KubeDeployment {
  readonly apiVersion?: string;
  readonly kind?: string;
  readonly metadata?: KubeObjectMeta;
  readonly spec?: KubeDeploymentSpec;
  readonly status?: KubeDeploymentStatus;
}

export interface KubeReplicaSetSpec {
  readonly replicas?: number;
  readonly selector?: KubeLabelSelector;
  readonly template?: KubePodTemplateSpec;
  readonly minReadySeconds?: number;
}

export interface KubeReplicaSetStatus {
  readonly replicas?: number;
  readonly readyReplicas?: number;
  readonly availableReplicas?: number;
  readonly observedGeneration?: number;
}

export interface KubeReplicaSet {
  readonly apiVersion?: string;
  readonly kind?: string;
  readonly metadata?: KubeObjectMeta;
  readonly spec?: KubeReplicaSetSpec;
  readonly status?: KubeReplicaSetStatus;
}

export interface KubeContainerStateWaiting {
  readonly reason?: string;
  readonly message?: string;
}

export interface KubeContainerStateRunning {
  readonly startedAt?: KubeTime;
}

export interface KubeContainerStateTerminated {
  readonly exitCode?: number;
  readonly signal?: number;
  readonly reason?: string;
  readonly message?: string;
  readonly startedAt?: KubeTime;
  readonly finishedAt?: KubeTime;
}

export interface KubeContainerState {
  readonly waiting?: KubeContainerStateWaiting;
  readonly running?: KubeContainerStateRunning;
  readonly terminated?: KubeContainerStateTerminated;
}

export interface KubeContainerStatus {
  readonly name?: string;
  readonly ready?: boolean;
  readonly started?: boolean;
  readonly restartCount?: number;
  readonly image?: string;
  readonly state?: KubeContainerState;
  readonly lastState?: KubeContainerState;
}

export interface KubePodStatus {
  readonly phase?: string;
  readonly reason?: string;
  readonly conditions?: readonly KubeCondition[];
  readonly containerStatuses?: readonly KubeContainerStatus[];
  readonly initContainerStatuses?: readonly KubeContainerStatus[];
  readonly startTime?: KubeTime;
}

export interface KubePod {
  readonly apiVersion?: string;
  readonly kind?: string;
  readonly metadata?: KubeObjectMeta;
  readonly spec?: KubePodSpec;
  readonly status?: KubePodStatus;
}

export interface KubeNamespace {
  readonly apiVersion?: string;
  readonly kind?: string;
  readonly metadata?: KubeObjectMeta;
}

/** Well-known label and annotation keys set by the Deployment controller. */
export const POD_TEMPLATE_HASH_LABEL = 'pod-template-hash';
export const REVISION_ANNOTATION = 'deployment.kubernetes.io/revision';
export const REVISION_HISTORY_ANNOTATION = 'deployment.kubernetes.io/revision-history';
export const DESIRED_REPLICAS_ANNOTATION = 'deployment.kubernetes.io/desired-replicas';
export const MAX_REPLICAS_ANNOTATION = 'deployment.kubernetes.io/max-replicas';
export const LAST_APPLIED_CONFIG_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';
export const DEPRECATED_ROLLBACK_TO_ANNOTATION = 'deprecated.deployment.rollback.to';
export const CHANGE_CAUSE_ANNOTATION = 'kubernetes.io/change-cause';

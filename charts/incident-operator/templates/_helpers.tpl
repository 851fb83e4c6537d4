{{- define "incident-operator.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "incident-operator.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* Selects the operator's pods (the Deployment, the Service, the NetworkPolicy, the PDB). */}}
{{- define "incident-operator.selectorLabels" -}}
app.kubernetes.io/name: {{ include "incident-operator.fullname" . }}
{{- end }}

{{- define "incident-operator.labels" -}}
{{ include "incident-operator.selectorLabels" . }}
{{- if not .Values.plainManifests }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- end }}
{{- end }}

{{- define "incident-operator.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "incident-operator.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* Rules the operator needs in every namespace it watches (cluster-wide: in all of them). */}}
{{- define "incident-operator.watchRules" -}}
# The Incident API: read, create (automatic crash-loop incidents, Alertmanager intake), status.
- apiGroups: [runbook.dev]
  resources: [incidents]
  verbs: [get, list, watch, create, patch]
- apiGroups: [runbook.dev]
  resources: [incidents/status]
  verbs: [get, patch, update]
- apiGroups: [runbook.dev]
  resources: [escalationpolicies]
  verbs: [get, list, watch]
# Diagnose: pods, their logs, rollout history.
- apiGroups: [""]
  resources: [pods]
  verbs: [get, list, watch]
- apiGroups: [""]
  resources: [pods/log]
  verbs: [get]
{{- if .cluster }}
- apiGroups: [""]
  resources: [namespaces]
  verbs: [get, list, watch]
{{- end }}
- apiGroups: [apps]
  resources: [replicasets]
  verbs: [get, list, watch]
# Remediate: rollback patches the Deployment (template + annotations) — no create/delete. It acts only on
# Deployments whose owner opted in (labels on the Deployment or its Namespace); the operator enforces that.
- apiGroups: [apps]
  resources: [deployments]
  verbs: [get, list, watch, patch]
# StatefulSet targets: rollback patches the StatefulSet back to a ControllerRevision's template (+ annotations),
# then deletes that StatefulSet's not-ready pods of the bad revision (Kubernetes' forced-rollback step: an
# OrderedReady StatefulSet waits for a broken pod forever). Only for opted-in owners; the operator enforces it.
- apiGroups: [apps]
  resources: [controllerrevisions]
  verbs: [get, list, watch]
- apiGroups: [apps]
  resources: [statefulsets]
  verbs: [get, list, watch, patch]
- apiGroups: [""]
  resources: [pods]
  verbs: [delete]
# Database connection details and notification endpoints come only from Secrets an Incident or policy names:
# `get` only (no list/watch).
- apiGroups: [""]
  resources: [secrets]
  verbs: [get]
# The story in `kubectl describe incident`.
- apiGroups: ["", events.k8s.io]
  resources: [events]
  verbs: [create, patch]
{{- end }}

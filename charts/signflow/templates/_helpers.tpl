{{- define "signflow.name" -}}signflow{{- end -}}

{{- define "signflow.fullname" -}}
{{- if contains "signflow" .Release.Name -}}{{ .Release.Name | trunc 40 | trimSuffix "-" }}{{- else -}}{{ printf "%s-signflow" .Release.Name | trunc 40 | trimSuffix "-" }}{{- end -}}
{{- end -}}

{{- define "signflow.runsNamespace" -}}
{{- default (printf "%s-runs" .Release.Namespace) .Values.runs.namespace -}}
{{- end -}}

{{- define "signflow.labels" -}}
app.kubernetes.io/name: {{ include "signflow.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: signflow
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{/* Selector labels of one component: (dict "root" $ "component" "api") */}}
{{- define "signflow.selector" -}}
app.kubernetes.io/name: {{ include "signflow.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{/* Pod template labels: the selector plus what the other objects carry. */}}
{{- define "signflow.podLabels" -}}
{{ include "signflow.selector" . }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/part-of: signflow
{{- end -}}

{{- define "signflow.image" -}}
{{ .Values.image.repository }}:{{ default .Chart.AppVersion .Values.image.tag }}
{{- end -}}

{{- define "signflow.gpuImage" -}}
{{ .Values.gpuImage.repository }}:{{ default .Chart.AppVersion .Values.gpuImage.tag }}
{{- end -}}

{{- define "signflow.natsUrl" -}}
{{- if .Values.nats.enabled -}}nats://{{ include "signflow.fullname" . }}-nats.{{ .Release.Namespace }}.svc:{{ .Values.nats.port }}{{- else -}}{{ required "nats.externalUrl is required when nats.enabled is false" .Values.nats.externalUrl }}{{- end -}}
{{- end -}}

{{- define "signflow.temporalAddress" -}}
{{- if .Values.temporal.devServer.enabled -}}{{ include "signflow.fullname" . }}-temporal.{{ .Release.Namespace }}.svc:7233{{- else -}}{{ .Values.temporal.address }}{{- end -}}
{{- end -}}

{{/* The pod-level parts every signflow pod shares. */}}
{{- define "signflow.podCommon" -}}
securityContext:
  {{- toYaml .Values.podSecurityContext | nindent 2 }}
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
  {{- range . }}
  - name: {{ . }}
  {{- end }}
{{- end }}
{{- end -}}

{{/* Environment every signflow service gets (names of core's config; see core/src/config/load.ts). */}}
{{- define "signflow.env" -}}
{{- if .Values.nats.enabled }}
# The bundled NATS refuses anonymous clients: signflow's own user comes first, so the URL can use it.
- name: SIGNFLOW_NATS_PASSWORD
  valueFrom: { secretKeyRef: { name: {{ include "signflow.fullname" . }}-nats-internal, key: password } }
- name: SIGNFLOW_NATS_URL
  value: {{ printf "nats://signflow:$(SIGNFLOW_NATS_PASSWORD)@%s-nats.%s.svc:%v" (include "signflow.fullname" .) .Release.Namespace .Values.nats.port | quote }}
{{- else }}
- name: SIGNFLOW_NATS_URL
  value: {{ include "signflow.natsUrl" . | quote }}
{{- end }}
- name: SIGNFLOW_TEMPORAL_ADDRESS
  value: {{ include "signflow.temporalAddress" . | quote }}
- name: SIGNFLOW_TEMPORAL_NAMESPACE
  value: {{ .Values.temporal.namespace | quote }}
- name: SIGNFLOW_DATA_DIR
  value: /var/lib/signflow
{{- include "signflow.storesEnv" . }}
{{- end -}}

{{/* Artifacts, the model registry and dataset versions in NATS object store buckets: pods share no volume. */}}
{{- define "signflow.storesEnv" }}
- name: SIGNFLOW_ARTIFACT_STORE
  value: {{ printf "nats://%s" .Values.stores.artifactsBucket | quote }}
- name: SIGNFLOW_DATASETS_STORE
  value: nats
- name: SIGNFLOW_DATASETS_BUCKET
  value: {{ .Values.stores.datasetsBucket | quote }}
{{- end -}}

{{/*
A password (base64) of the internal NATS Secret, by key: the kept Secret's, else one generated per
render and shared by every template that asks (the Secret in the release namespace and its copy
for steps). (dict "root" $ "key" "password")
*/}}
{{- define "signflow.natsInternalPassword" -}}
{{- $existing := lookup "v1" "Secret" .root.Release.Namespace (printf "%s-nats-internal" (include "signflow.fullname" .root)) -}}
{{- if and $existing (hasKey $existing.data .key) -}}
{{- index $existing.data .key -}}
{{- else -}}
{{- $cache := printf "_generatedNats_%s" .key -}}
{{- if not (hasKey .root.Values $cache) -}}{{- $_ := set .root.Values $cache (randAlphaNum 32 | b64enc) -}}{{- end -}}
{{- index .root.Values $cache -}}
{{- end -}}
{{- end -}}

{{/* The signflow (services) NATS user's password (base64). */}}
{{- define "signflow.natsServicePassword" -}}
{{ include "signflow.natsInternalPassword" (dict "root" . "key" "password") }}
{{- end -}}

{{/* The step NATS user's password (base64): the server's, and the step pods' copy in the runs namespace. */}}
{{- define "signflow.natsStepPassword" -}}
{{ include "signflow.natsInternalPassword" (dict "root" . "key" "step-password") }}
{{- end -}}

{{/*
What the step NATS user (pipeline step pods) may publish, as a NATS config list: the stepPermissions() of
core/src/auth/nats-permissions.ts for the chart's artifact and dataset buckets — the buckets'
chunks and metadata, opening (info, create when missing), purging replaced chunks, object info,
the read consumers and their flow control; opening the artifact store's logs stream (the worker,
not the step, writes the logs); run metrics and model events. Nothing live, no run events.
*/}}
{{- define "signflow.natsStepPublish" -}}
{{- $allow := list "$JS.API.INFO" -}}
{{- range uniq (list .Values.stores.artifactsBucket .Values.stores.datasetsBucket) -}}
{{- $stream := printf "OBJ_%s" . -}}
{{- $allow = concat $allow (list (printf "$O.%s.>" .) (printf "$JS.API.STREAM.INFO.%s" $stream) (printf "$JS.API.STREAM.CREATE.%s" $stream) (printf "$JS.API.STREAM.PURGE.%s" $stream) (printf "$JS.API.STREAM.MSG.GET.%s" $stream) (printf "$JS.API.CONSUMER.*.%s.>" $stream) (printf "$JS.FC.%s.>" $stream)) -}}
{{- end -}}
{{- $logs := printf "SIGNFLOW_ARTIFACT_LOGS_%s" .Values.stores.artifactsBucket -}}
{{- $allow = concat $allow (list (printf "$JS.API.STREAM.INFO.%s" $logs) (printf "$JS.API.STREAM.CREATE.%s" $logs) "signflow.runs.*.metrics" "signflow.models.*.events") -}}
{{- $quoted := list -}}
{{- range $allow }}{{ $quoted = append $quoted (quote .) }}{{ end -}}
[{{ join ", " $quoted }}]
{{- end -}}

{{/* Writable places on a read-only root filesystem. */}}
{{- define "signflow.scratchVolumes" -}}
- name: tmp
  emptyDir: { medium: Memory, sizeLimit: 64Mi }
- name: data
  emptyDir: {}
{{- end -}}
{{- define "signflow.scratchMounts" -}}
- name: tmp
  mountPath: /tmp
- name: data
  mountPath: /var/lib/signflow
{{- end -}}

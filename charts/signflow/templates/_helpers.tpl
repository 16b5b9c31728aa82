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
{{- if .Values.nats.enabled -}}nats://{{ include "signflow.fullname" . }}-nats.{{ .Release.Namespace }}.svc:4222{{- else -}}{{ required "nats.externalUrl is required when nats.enabled is false" .Values.nats.externalUrl }}{{- end -}}
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
  value: {{ printf "nats://signflow:$(SIGNFLOW_NATS_PASSWORD)@%s-nats.%s.svc:4222" (include "signflow.fullname" .) .Release.Namespace | quote }}
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

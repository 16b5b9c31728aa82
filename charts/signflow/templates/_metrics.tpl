{{/* Prometheus /metrics of a long-running service (README: Observability), on port 9464. */}}
{{- define "signflow.metricsEnv" -}}
- name: SIGNFLOW_METRICS_PORT
  value: "9464"
{{- end -}}

{{- define "signflow.metricsPorts" -}}
ports:
  - { name: metrics, containerPort: 9464, protocol: TCP }
{{- end -}}

{{- define "signflow.metricsAnnotations" -}}
annotations:
  prometheus.io/scrape: "true"
  prometheus.io/port: "9464"
  prometheus.io/path: /metrics
{{- end -}}

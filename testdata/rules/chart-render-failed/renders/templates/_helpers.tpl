{{/* A partial that would not parse as YAML: partials are never rendered as manifests. */}}
{{- define "shop.labels" -}}
app: shop
{{- end }}

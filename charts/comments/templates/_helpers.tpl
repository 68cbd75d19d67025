{{/*
Names, labels, the image reference and the checks across values that a JSON schema cannot say
clearly ("comments.validate", run by validate/values.yaml).
*/}}

{{- define "comments.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
The prefix of every object name: the release name alone when it already holds the chart name
("comments", "comments-dev"), else "<release>-<chart>". 63 characters is the DNS label limit.
*/}}
{{- define "comments.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := include "comments.name" . }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "comments.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Labels of every object. "component" tells the service's pods from the bundled database's, which
share name and instance.
*/}}
{{- define "comments.commonLabels" -}}
helm.sh/chart: {{ include "comments.chart" . }}
app.kubernetes.io/name: {{ include "comments.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ include "comments.imageTag" . | trunc 63 | trimSuffix "-" | quote }}
app.kubernetes.io/part-of: comments
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "comments.labels" -}}
{{ include "comments.commonLabels" . }}
app.kubernetes.io/component: server
{{- end }}

{{/* Pod labels leave out helm.sh/chart: a chart version bump alone must not roll the pods. */}}
{{- define "comments.podLabels" -}}
{{ include "comments.selectorLabels" . }}
app.kubernetes.io/version: {{ include "comments.imageTag" . | trunc 63 | trimSuffix "-" | quote }}
app.kubernetes.io/part-of: comments
{{- end }}

{{- define "comments.selectorLabels" -}}
app.kubernetes.io/name: {{ include "comments.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: server
{{- end }}

{{- define "comments.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "comments.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "comments.imageTag" -}}
{{- .Values.image.tag | default .Chart.AppVersion }}
{{- end }}

{{/*
An image reference from {repository, tag, digest}: by digest when one is given (a tag can move,
a digest cannot), else by tag. Call with (dict "image" $img "defaultTag" $tag).
*/}}
{{- define "comments.imageRef" -}}
{{- $img := .image }}
{{- if $img.digest }}
{{- printf "%s@%s" $img.repository $img.digest }}
{{- else }}
{{- printf "%s:%s" $img.repository (default .defaultTag $img.tag) }}
{{- end }}
{{- end }}

{{- define "comments.image" -}}
{{- include "comments.imageRef" (dict "image" .Values.image "defaultTag" .Chart.AppVersion) }}
{{- end }}

{{- define "comments.testImage" -}}
{{- if .Values.tests.image.repository }}
{{- include "comments.imageRef" (dict "image" .Values.tests.image "defaultTag" (include "comments.imageTag" .)) }}
{{- else }}
{{- include "comments.image" . }}
{{- end }}
{{- end }}

{{/* Pods the Deployment runs at most: maxReplicas with autoscaling, else replicaCount. */}}
{{- define "comments.maxPods" -}}
{{- if .Values.autoscaling.enabled }}{{ .Values.autoscaling.maxReplicas }}{{ else }}{{ .Values.replicaCount }}{{ end }}
{{- end }}

{{/* Where the moderation tokens' Secret is mounted, and ADMIN_TOKEN_FILE (its key "tokens"). */}}
{{- define "comments.adminTokenDir" -}}
/var/run/secrets/comments-admin
{{- end }}
{{- define "comments.adminTokenFile" -}}
{{ include "comments.adminTokenDir" . }}/tokens
{{- end }}

{{- define "comments.backup.selectorLabels" -}}
app.kubernetes.io/name: {{ include "comments.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: backup
{{- end }}

{{- define "comments.postgresql.fullname" -}}
{{- printf "%s-postgresql" (include "comments.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The Secret and key holding STORAGE_URL when storage.type is postgres. */}}
{{- define "comments.postgres.secretName" -}}
{{- if .Values.storage.postgres.existingSecret }}
{{- .Values.storage.postgres.existingSecret }}
{{- else }}
{{- include "comments.postgresql.fullname" . }}
{{- end }}
{{- end }}

{{- define "comments.postgres.secretKey" -}}
{{- if .Values.storage.postgres.existingSecret }}
{{- .Values.storage.postgres.secretKey }}
{{- else -}}
url
{{- end }}
{{- end }}

{{- define "comments.sqlite.claimName" -}}
{{- default (printf "%s-data" (include "comments.fullname" .)) .Values.storage.sqlite.persistence.existingClaim }}
{{- end }}

{{/*
A duration of the service ("500ms", "5s", "2m", "1h") in seconds, as a float.
*/}}
{{- define "comments.seconds" -}}
{{- $n := regexFind "^[0-9]+" . | float64 }}
{{- $unit := regexReplaceAll "^[0-9]+" . "" }}
{{- if eq $unit "ms" }}{{ divf $n 1000 }}
{{- else if eq $unit "s" }}{{ $n }}
{{- else if eq $unit "m" }}{{ mulf $n 60 }}
{{- else if eq $unit "h" }}{{ mulf $n 3600 }}
{{- end }}
{{- end }}

{{/*
Rules that involve several values. values.schema.json checks each value's type and range; these
checks fail the install with a sentence that says what to change.
*/}}
{{- define "comments.validate" -}}
{{- $v := .Values }}
{{- if eq $v.storage.type "sqlite" }}
{{- if gt (int $v.replicaCount) 1 }}
{{- fail (printf "replicaCount=%d with storage.type=sqlite: SQLite storage runs exactly 1 replica (one writer on a ReadWriteOnce volume); set storage.type=postgres to run more" (int $v.replicaCount)) }}
{{- end }}
{{- if $v.autoscaling.enabled }}
{{- fail "autoscaling.enabled=true with storage.type=sqlite: SQLite storage runs exactly 1 replica; set storage.type=postgres to autoscale" }}
{{- end }}
{{- if $v.postgresql.enabled }}
{{- fail "postgresql.enabled=true with storage.type=sqlite: the bundled PostgreSQL is only used with storage.type=postgres" }}
{{- end }}
{{- else }}
{{- if and $v.postgresql.enabled $v.storage.postgres.existingSecret }}
{{- fail "postgresql.enabled=true and storage.postgres.existingSecret are both set: choose the bundled database or your own Secret" }}
{{- end }}
{{- if not (or $v.postgresql.enabled $v.storage.postgres.existingSecret) }}
{{- fail "storage.type=postgres needs storage.postgres.existingSecret (a Secret holding the connection URL) or postgresql.enabled=true (the bundled database)" }}
{{- end }}
{{- end }}
{{- if and $v.backup.enabled (ne $v.storage.type "sqlite") }}
{{- fail "backup.enabled=true with storage.type=postgres: the backup CronJob runs comments-service backup, which copies a SQLite file; back up PostgreSQL with pg_dump or your database's own backups (docs/operations.md, Back up)" }}
{{- end }}
{{- if and $v.backup.enabled (not $v.backup.existingClaim) }}
{{- fail "backup.enabled=true needs backup.existingClaim: a PersistentVolumeClaim you created to receive the copies" }}
{{- end }}
{{- if and $v.autoscaling.enabled (gt (int $v.autoscaling.minReplicas) (int $v.autoscaling.maxReplicas)) }}
{{- fail (printf "autoscaling.minReplicas=%d is greater than autoscaling.maxReplicas=%d" (int $v.autoscaling.minReplicas) (int $v.autoscaling.maxReplicas)) }}
{{- end }}
{{- $stop := addf (include "comments.seconds" $v.shutdown.delay | float64) (include "comments.seconds" $v.shutdown.drainTimeout | float64) }}
{{- if le (float64 $v.terminationGracePeriodSeconds) $stop }}
{{- fail (printf "terminationGracePeriodSeconds=%d must exceed shutdown.delay + shutdown.drainTimeout (%s + %s), or Kubernetes kills pods before they finish draining" (int $v.terminationGracePeriodSeconds) $v.shutdown.delay $v.shutdown.drainTimeout) }}
{{- end }}
{{- if eq (int $v.adminPort) (int $v.containerPort) }}
{{- fail (printf "adminPort=%d is containerPort too: the admin listener (probes, metrics) needs a port of its own" (int $v.adminPort)) }}
{{- end }}
{{- if eq (int $v.adminPort) (int $v.service.port) }}
{{- fail (printf "adminPort=%d is service.port too: the Service carries both ports, http and admin, and they must differ" (int $v.adminPort)) }}
{{- end }}
{{- $managed := include "comments.managedSettings" . | fromYaml }}
{{- range $key, $_ := $v.config }}
{{- if hasKey $managed $key }}
{{- fail (printf "config.%s is set by the chart from %s; set that value instead (see docs/helm.md)" $key (get $managed $key)) }}
{{- end }}
{{- end }}
{{- end }}

{{/*
The service's variables the chart sets from a value of its own, by that value: `config` refuses
them. Generated from the service's settings table by scripts/settings.py.
*/}}
{{- /* settings:begin */ -}}
{{- define "comments.managedSettings" -}}
PORT: containerPort
STORAGE_URL: storage.type
DB_POOL_SIZE: storage.postgres.poolSize
SQLITE_SYNCHRONOUS: storage.sqlite.synchronous
EMAIL_VISIBILITY: emailVisibility
LOG_LEVEL: logLevel
LOG_FORMAT: logFormat
ADMIN_PORT: adminPort
ADMIN_TOKEN_FILE: admin.tokenSecret
SHUTDOWN_DELAY: shutdown.delay
DRAIN_TIMEOUT: shutdown.drainTimeout
IMAGE_DIGEST: image.digest
{{- end }}
{{- /* settings:end */ -}}

{{/* A setting's value as the service reads it. YAML numbers arrive as float64, which would print
as 1e+06 or 1e-05; the schema admits whole numbers, and numbers with at most six decimals for
decimal settings, so they are written as digits: whole, or with six decimals. */}}
{{- define "comments.settingValue" -}}
{{- if not (kindIs "float64" .) }}{{ toString . | quote }}
{{- else if eq (floor .) . }}{{ int64 . | toString | quote }}
{{- else }}{{ printf "%f" . | quote }}
{{- end }}
{{- end }}

{{/* The timing fields of a probe from its values block. */}}
{{- define "comments.probeTiming" -}}
initialDelaySeconds: {{ .initialDelaySeconds }}
periodSeconds: {{ .periodSeconds }}
timeoutSeconds: {{ .timeoutSeconds }}
failureThreshold: {{ .failureThreshold }}
successThreshold: 1
{{- end }}

{{- define "comments.postgresql.labels" -}}
{{ include "comments.commonLabels" . }}
app.kubernetes.io/component: database
{{- end }}

{{- define "comments.postgresql.selectorLabels" -}}
app.kubernetes.io/name: {{ include "comments.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: database
{{- end }}

{{- define "comments.test.selectorLabels" -}}
app.kubernetes.io/name: {{ include "comments.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: test
{{- end }}

{{/*
Named helpers. Per-service helpers take a context dict:
  root  the top-level context ($)
  name  the service name (a key of .Values.services)
  svc   that service's values
built in each template as (dict "root" $ "name" $name "svc" $svc).
*/}}

{{/* Chart label value. */}}
{{- define "ent.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Name of every object of one service, also its in-cluster DNS name: <release>-<service>. */}}
{{- define "ent.fullname" -}}
{{- printf "%s-%s" .root.Release.Name .name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "ent.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- $generated := ternary .Release.Name (printf "%s-%s" .Release.Name .Chart.Name) (eq .Release.Name .Chart.Name) -}}
{{- default ($generated | trunc 63 | trimSuffix "-") .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* Labels shared by every pod of the release (root context). */}}
{{- define "ent.releaseSelectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "ent.releaseLabels" -}}
{{ include "ent.releaseSelectorLabels" . }}
app.kubernetes.io/part-of: ent
app.kubernetes.io/version: {{ include "ent.imageTag" . | trunc 63 | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ include "ent.chart" . }}
{{- end -}}

{{/* Labels selecting one service's pods (service context). */}}
{{- define "ent.selectorLabels" -}}
{{ include "ent.releaseSelectorLabels" .root }}
app.kubernetes.io/component: {{ .name }}
{{- end -}}

{{- define "ent.labels" -}}
{{ include "ent.releaseLabels" .root }}
app.kubernetes.io/component: {{ .name }}
{{- end -}}

{{/* Standard metadata block of one service's object. */}}
{{- define "ent.metadata" -}}
metadata:
  name: {{ include "ent.fullname" . }}
  namespace: {{ .root.Release.Namespace }}
  labels:
    {{- include "ent.labels" . | nindent 4 }}
{{- end -}}

{{- define "ent.imageTag" -}}
{{- .Values.global.image.tag | default .Chart.AppVersion -}}
{{- end -}}

{{- define "ent.image" -}}
{{- $image := .Values.global.image -}}
{{- if $image.digest -}}
{{- printf "%s@%s" $image.repository $image.digest -}}
{{- else -}}
{{- printf "%s:%s" $image.repository (include "ent.imageTag" .) -}}
{{- end -}}
{{- end -}}

{{/* Path Prometheus scrapes on the metrics port (kit/ent_kit/metrics.py). */}}
{{- define "ent.metricsPath" -}}
/metrics
{{- end -}}

{{/* Whether anything scrapes the pods (annotations or ServiceMonitor), root context. */}}
{{- define "ent.metricsScraped" -}}
{{- if or .Values.metrics.podAnnotations .Values.metrics.serviceMonitor.enabled -}}true{{- end -}}
{{- end -}}

{{- define "ent.httpPort" -}}
{{- .Values.global.httpPort | int -}}
{{- end -}}

{{/* ENT_METRICS_PORT: /metrics is served there only, never on the HTTP port (root context). */}}
{{- define "ent.metricsPort" -}}
{{- .Values.global.metricsPort | int -}}
{{- end -}}

{{/* ENT_BLOB_URL: s3://host:port/bucket?secure=true&region=... (no credentials in it). */}}
{{- define "ent.blobUrl" -}}
{{- $s3 := .Values.global.s3 -}}
{{- printf "s3://%s/%s?secure=%t&region=%s" $s3.endpoint $s3.bucket $s3.secure (urlquery $s3.region) -}}
{{- end -}}

{{/* ENT_UPSTREAMS for the gateway: name=url of every other enabled service (root context). */}}
{{- define "ent.upstreams" -}}
{{- $root := . -}}
{{- $upstreams := list -}}
{{- range $name, $svc := .Values.services -}}
{{- if and $svc.enabled (ne $name "gateway") -}}
{{- $host := include "ent.fullname" (dict "root" $root "name" $name) -}}
{{- $upstreams = append $upstreams (printf "%s=http://%s:%s" $name $host (include "ent.httpPort" $root)) -}}
{{- end -}}
{{- end -}}
{{- join "," $upstreams -}}
{{- end -}}

{{/* Refuse combinations the schema cannot express: release-wide (root context)... */}}
{{- define "ent.globalChecks" -}}
{{- if eq (include "ent.metricsPort" .) (include "ent.httpPort" .) -}}
{{- fail (printf "global.metricsPort (%s) must differ from global.httpPort" (include "ent.metricsPort" .)) -}}
{{- end -}}
{{- end -}}

{{/* ...and per service (service context). */}}
{{- define "ent.checks" -}}
{{- range $variable := list "ENT_DEV_LOGIN" "ENT_DEMO_SEED" -}}
{{- if or (hasKey $.svc.extraEnv $variable) (hasKey $.svc.extraSecretEnv $variable) -}}
{{- fail (printf "services.%s: %s is for development only, never in a deployment" $.name $variable) -}}
{{- end -}}
{{- end -}}
{{- if and .svc.autoscaling.enabled (lt (int .svc.autoscaling.maxReplicas) (int .svc.autoscaling.minReplicas)) -}}
{{- fail (printf "services.%s.autoscaling.maxReplicas (%v) must be >= minReplicas (%v)" .name .svc.autoscaling.maxReplicas .svc.autoscaling.minReplicas) -}}
{{- end -}}
{{- end -}}

{{/* ---------------------------------------------------------------- ConfigMap */}}
{{/* Non-secret settings of one service. Secrets are NEVER put here (see ent.secretEnv). */}}
{{- define "ent.configmap" -}}
{{- $g := .root.Values.global -}}
{{- $data := dict
  "ENT_SERVICE_NAME" .name
  "ENT_HTTP_HOST" "0.0.0.0"
  "ENT_HTTP_PORT" (include "ent.httpPort" .root)
  "ENT_METRICS_PORT" (include "ent.metricsPort" .root)
  "ENT_BLOB_URL" (include "ent.blobUrl" .root)
  "ENT_KAFKA_BOOTSTRAP" $g.kafka.bootstrap
  "ENT_KAFKA_IDEMPOTENCE" (toString $g.kafka.idempotence)
  "ENT_KAFKA_PARTITIONS" (toString (int $g.kafka.partitions))
  "ENT_KAFKA_REPLICATION_FACTOR" (toString (int $g.kafka.replicationFactor))
  "ENT_KAFKA_RETENTION_MS" (toString (int64 $g.kafka.retentionMs))
  "ENT_LEASE_TTL_S" (toString $g.pipeline.leaseTtlSeconds)
  "ENT_LOG_LEVEL" $g.logLevel
  "ENT_SHUTDOWN_GRACE_S" (toString $g.shutdownGraceSeconds)
-}}
{{- with $g.otlp.endpoint -}}
{{- $_ := set $data "ENT_OTLP_ENDPOINT" . -}}
{{- end -}}
{{- /* Public keys: not secret, but without them no token is accepted. */ -}}
{{- $_ := set $data "ENT_USER_TOKEN_PUBLIC_KEY" (required "global.auth.userTokenPublicKey is required (the public half of the gateway's user-token key, PEM)" $g.auth.userTokenPublicKey) -}}
{{- with include "ent.peerPublicKeys" . -}}
{{- $_ := set $data "ENT_PEER_PUBLIC_KEYS" . -}}
{{- end -}}
{{- if not (has .name (list "gateway" "directory")) -}}
{{- $directory := include "ent.fullname" (dict "root" .root "name" "directory") -}}
{{- $_ := set $data "ENT_DIRECTORY_URL" (printf "http://%s:%s" $directory (include "ent.httpPort" .root)) -}}
{{- end -}}
{{- if eq .name "mail" -}}
{{- /* Attachments from Mes documents: mail reads the locker with the caller's token. */ -}}
{{- $locker := include "ent.fullname" (dict "root" .root "name" "locker") -}}
{{- $_ := set $data "ENT_LOCKER_URL" (printf "http://%s:%s" $locker (include "ent.httpPort" .root)) -}}
{{- end -}}
{{- if eq .name "transfer" -}}
{{- /* Sharing a link in a message goes through mail; links point at the public entry. */ -}}
{{- $mail := include "ent.fullname" (dict "root" .root "name" "mail") -}}
{{- $_ := set $data "ENT_MAIL_URL" (printf "http://%s:%s" $mail (include "ent.httpPort" .root)) -}}
{{- if .root.Values.ingress.enabled -}}
{{- $scheme := ternary "https" "http" .root.Values.ingress.tls.enabled -}}
{{- $_ := set $data "ENT_TRANSFER_PUBLIC_URL" (printf "%s://%s" $scheme .root.Values.ingress.host) -}}
{{- end -}}
{{- end -}}
{{- if eq .name "gateway" -}}
{{- $_ := set $data "ENT_UPSTREAMS" (include "ent.upstreams" .root) -}}
{{- $_ := set $data "ENT_DEV_LOGIN" "false" -}}
{{- if .root.Values.ingress.enabled -}}
{{- /* Behind the Ingress the socket peer is the ingress controller: the client's address,
  for sign-in throttling, is the entry it appends to X-Forwarded-For (extraEnv overrides,
  e.g. 2 hops behind a cloud load balancer). */ -}}
{{- $_ := set $data "ENT_TRUSTED_PROXY_HEADER" "x-forwarded-for" -}}
{{- $_ := set $data "ENT_TRUSTED_PROXY_HOPS" "1" -}}
{{- end -}}
{{- end -}}
{{- range $key, $value := .svc.extraEnv -}}
{{- $_ := set $data $key (toString $value) -}}
{{- end -}}
apiVersion: v1
kind: ConfigMap
{{ include "ent.metadata" . }}
data:
  {{- toYaml $data | nindent 2 }}
{{- end -}}

{{/* Environment read from Secrets: always secretKeyRef, never a literal value. Each
service gets only the ones it uses: no store nor S3 credentials for the gateway, the
user-token private key for the gateway only, a service key for the services that call
others only, the receipt key for the locker only. */}}
{{- define "ent.secretEnv" -}}
{{- $g := .root.Values.global -}}
{{- $mongo := $g.mongodb -}}
{{- with .svc.mongodb -}}{{- $mongo = . -}}{{- end -}}
{{- if include "ent.usesStore" . }}
- name: ENT_STORE_URL
  valueFrom:
    secretKeyRef: {name: {{ $mongo.existingSecret | quote }}, key: {{ $mongo.urlKey | quote }}}
- name: ENT_S3_ACCESS_KEY
  valueFrom:
    secretKeyRef: {name: {{ $g.s3.existingSecret | quote }}, key: {{ $g.s3.accessKeyKey | quote }}}
- name: ENT_S3_SECRET_KEY
  valueFrom:
    secretKeyRef: {name: {{ $g.s3.existingSecret | quote }}, key: {{ $g.s3.secretKeyKey | quote }}}
{{- end }}
{{- if eq .name "gateway" }}
- name: ENT_USER_TOKEN_SIGNING_KEY
  valueFrom:
    secretKeyRef: {name: {{ $g.auth.userTokenSigningKey.existingSecret | quote }}, key: {{ $g.auth.userTokenSigningKey.key | quote }}}
{{- end }}
{{- if include "ent.callsPeers" . }}
- name: ENT_SERVICE_SIGNING_KEY
  valueFrom:
    secretKeyRef: {name: {{ printf "%s%s" $g.serviceKeys.secretPrefix .name | quote }}, key: {{ $g.serviceKeys.key | quote }}}
{{- end }}
{{- if eq .name "locker" }}
- name: ENT_RECEIPT_KEY
  valueFrom:
    secretKeyRef: {name: {{ $g.receipts.existingSecret | quote }}, key: {{ $g.receipts.key | quote }}}
{{- end }}
{{- range $envName, $ref := .svc.extraSecretEnv }}
- name: {{ $envName }}
  valueFrom:
    secretKeyRef: {name: {{ $ref.secretName | quote }}, key: {{ $ref.key | quote }}}
{{- end }}
{{- end -}}

{{/* Whether a service keeps a store and blobs (ServiceDefinition.uses_storage/uses_blobs):
all but the gateway, which routes and signs in and keeps nothing (service context). */}}
{{- define "ent.usesStore" -}}
{{- if ne .name "gateway" -}}true{{- end -}}
{{- end -}}

{{/* Whether a service calls another: it is among the callers of an enabled service. */}}
{{- define "ent.callsPeers" -}}
{{- $name := .name -}}
{{- $services := .root.Values.services -}}
{{- range $callee, $callers := .root.Values.global.serviceKeys.callers -}}
{{- $enabled := and (hasKey $services $callee) (get $services $callee).enabled -}}
{{- if and $enabled (has $name $callers) -}}true{{- end -}}
{{- end -}}
{{- end -}}

{{/* ENT_PEER_PUBLIC_KEYS of a callee: {"<caller>": "<PEM>"} of its enabled callers; empty
for a service nobody calls (service context). */}}
{{- define "ent.peerPublicKeys" -}}
{{- $g := .root.Values.global -}}
{{- $services := .root.Values.services -}}
{{- $keys := dict -}}
{{- range $caller := (get $g.serviceKeys.callers .name | default list) -}}
{{- if and (hasKey $services $caller) (get $services $caller).enabled -}}
{{- $pem := get $g.serviceKeys.publicKeys $caller | default "" -}}
{{- $_ := set $keys $caller (required (printf "global.serviceKeys.publicKeys.%s is required (%s calls %s)" $caller $caller $.name) $pem) -}}
{{- end -}}
{{- end -}}
{{- if $keys -}}{{- toJson $keys -}}{{- end -}}
{{- end -}}

{{/* ---------------------------------------------------------------- Deployment */}}
{{- define "ent.deployment" -}}
{{- $g := .root.Values.global -}}
{{- $port := include "ent.httpPort" .root | int -}}
{{- $metricsPort := include "ent.metricsPort" .root | int -}}
{{- $annotations := dict -}}
{{- if .root.Values.metrics.podAnnotations -}}
{{- $annotations = dict
  "prometheus.io/scrape" "true"
  "prometheus.io/port" (toString $metricsPort)
  "prometheus.io/path" (include "ent.metricsPath" .root)
-}}
{{- end -}}
{{- /* global.podAnnotations wins over the scrape annotations (no duplicate keys). */ -}}
{{- $annotations = merge (deepCopy ($g.podAnnotations | default dict)) $annotations -}}
apiVersion: apps/v1
kind: Deployment
{{ include "ent.metadata" . }}
spec:
  {{- if not .svc.autoscaling.enabled }}
  replicas: {{ .svc.replicas | int }}
  {{- end }}
  revisionHistoryLimit: 5
  strategy:
    type: RollingUpdate
    rollingUpdate: {maxUnavailable: 0, maxSurge: 25%}
  selector:
    matchLabels:
      {{- include "ent.selectorLabels" . | nindent 6 }}
  template:
    metadata:
      labels:
        {{- include "ent.labels" . | nindent 8 }}
      annotations:
        # Roll the pods when their settings change.
        checksum/config: {{ include "ent.configmap" . | sha256sum }}
        {{- with $annotations }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
    spec:
      serviceAccountName: {{ include "ent.serviceAccountName" .root }}
      automountServiceAccountToken: false
      terminationGracePeriodSeconds: {{ add (int $g.preStopSleepSeconds) (ceil $g.shutdownGraceSeconds | int) 5 }}
      securityContext:
        runAsNonRoot: true
        runAsUser: 10001
        runAsGroup: 10001
        fsGroup: 10001
        seccompProfile: {type: RuntimeDefault}
      {{- with $g.imagePullSecrets }}
      imagePullSecrets:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      containers:
        - name: {{ .name }}
          image: {{ include "ent.image" .root | quote }}
          imagePullPolicy: {{ $g.image.pullPolicy }}
          command: ["python", "-m", "ent_{{ .name }}"]
          ports:
            - {name: http, containerPort: {{ $port }}, protocol: TCP}
            # /metrics only (ENT_METRICS_PORT): the Ingress and the API clients use http.
            - {name: metrics, containerPort: {{ $metricsPort }}, protocol: TCP}
          envFrom:
            - configMapRef:
                name: {{ include "ent.fullname" . }}
          env:
            {{- include "ent.secretEnv" . | nindent 12 }}
          startupProbe:
            httpGet: {path: /health/live, port: http}
            periodSeconds: 2
            failureThreshold: 30
          livenessProbe:
            httpGet: {path: /health/live, port: http}
            periodSeconds: 10
            timeoutSeconds: 2
            failureThreshold: 3
          readinessProbe:
            httpGet: {path: /health/ready, port: http}
            periodSeconds: 5
            timeoutSeconds: 2
            failureThreshold: 3
          lifecycle:
            preStop:
              exec:
                command: ["sleep", "{{ $g.preStopSleepSeconds | int }}"]
          resources:
            {{- toYaml .svc.resources | nindent 12 }}
          securityContext:
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            capabilities: {drop: ["ALL"]}
          volumeMounts:
            - {name: tmp, mountPath: /tmp}
      volumes:
        - name: tmp
          emptyDir: {sizeLimit: 256Mi}
      {{- if $g.topologySpread }}
      topologySpreadConstraints:
        - maxSkew: 1
          topologyKey: kubernetes.io/hostname
          whenUnsatisfiable: ScheduleAnyway
          labelSelector:
            matchLabels:
              {{- include "ent.selectorLabels" . | nindent 14 }}
      {{- end }}
      {{- with $g.nodeSelector }}
      nodeSelector:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $g.tolerations }}
      tolerations:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $g.affinity }}
      affinity:
        {{- toYaml . | nindent 8 }}
      {{- end }}
{{- end -}}

{{/* ---------------------------------------------------------------- Service */}}
{{- define "ent.service" -}}
apiVersion: v1
kind: Service
{{ include "ent.metadata" . }}
spec:
  type: ClusterIP
  selector:
    {{- include "ent.selectorLabels" . | nindent 4 }}
  ports:
    - {name: http, port: {{ include "ent.httpPort" .root }}, targetPort: http, protocol: TCP}
    # For the ServiceMonitor; only networkPolicy.metricsIngressFrom may reach it.
    - {name: metrics, port: {{ include "ent.metricsPort" .root }}, targetPort: metrics, protocol: TCP}
{{- end -}}

{{/* ---------------------------------------------------------------- ServiceMonitor */}}
{{/* Prometheus Operator scrape of one service's Service, port metrics (needs the CRD). */}}
{{- define "ent.servicemonitor" -}}
{{- $sm := .root.Values.metrics.serviceMonitor -}}
apiVersion: monitoring.coreos.com/v1
kind: ServiceMonitor
metadata:
  name: {{ include "ent.fullname" . }}
  namespace: {{ .root.Release.Namespace }}
  labels:
    {{- /* The chart's labels win over metrics.serviceMonitor.labels (no duplicate keys). */}}
    {{- merge (include "ent.labels" . | fromYaml) $sm.labels | toYaml | nindent 4 }}
spec:
  selector:
    matchLabels:
      {{- include "ent.selectorLabels" . | nindent 6 }}
  namespaceSelector:
    matchNames: [{{ .root.Release.Namespace | quote }}]
  endpoints:
    - port: metrics
      path: {{ include "ent.metricsPath" .root }}
      scheme: http
      interval: {{ $sm.interval | quote }}
{{- end -}}

{{/* ---------------------------------------------------------------- HPA */}}
{{- define "ent.hpa" -}}
{{- $hpa := .svc.autoscaling -}}
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
{{ include "ent.metadata" . }}
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: {{ include "ent.fullname" . }}
  minReplicas: {{ $hpa.minReplicas | int }}
  maxReplicas: {{ $hpa.maxReplicas | int }}
  metrics:
    - type: Resource
      resource:
        name: cpu
        target: {type: Utilization, averageUtilization: {{ $hpa.targetCPUUtilizationPercentage | int }}}
{{- end -}}

{{/* ---------------------------------------------------------------- PDB */}}
{{- define "ent.pdb" -}}
apiVersion: policy/v1
kind: PodDisruptionBudget
{{ include "ent.metadata" . }}
spec:
  minAvailable: {{ if kindIs "string" .svc.pdb.minAvailable }}{{ .svc.pdb.minAvailable | quote }}{{ else }}{{ .svc.pdb.minAvailable | int }}{{ end }}
  selector:
    matchLabels:
      {{- include "ent.selectorLabels" . | nindent 6 }}
{{- end -}}

{{/* ---------------------------------------------------------------- NetworkPolicy */}}
{{/*
Ingress: the gateway accepts its configured sources (default: any); every other service
accepts only the gateway pods of this release, plus the release's other pods when
networkPolicy.allowInterService is true. When something scrapes the pods (metrics.*), the
peers of networkPolicy.metricsIngressFrom may reach the metrics port (never the HTTP port).
Egress: DNS, Kafka, MongoDB, S3, OTLP as configured; the gateway (and, with
allowInterService, every service) may call the release's pods on the HTTP port.
*/}}
{{- define "ent.networkpolicy" -}}
{{- $np := .root.Values.networkPolicy -}}
{{- $port := include "ent.httpPort" .root | int -}}
{{- $isGateway := eq .name "gateway" -}}
{{- /* The directory decides who may write to whom: every sending service asks it. */ -}}
{{- $isDirectory := eq .name "directory" -}}
{{- /* Mail reads the caller's Mes documents from the locker (attachments). */ -}}
{{- $isLocker := eq .name "locker" -}}
{{- $isMail := eq .name "mail" -}}
{{- /* Transfer shares a link in a message through mail, as the user. */ -}}
{{- $isTransfer := eq .name "transfer" -}}
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
{{ include "ent.metadata" . }}
spec:
  podSelector:
    matchLabels:
      {{- include "ent.selectorLabels" . | nindent 6 }}
  policyTypes: [Ingress, Egress]
  ingress:
    - ports:
        - {port: http, protocol: TCP}
      {{- if $isGateway }}
      {{- with $np.gatewayIngressFrom }}
      from:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- else }}
      from:
        - podSelector:
            matchLabels:
              {{- include "ent.selectorLabels" (dict "root" .root "name" "gateway") | nindent 14 }}
        {{- if or $np.allowInterService $isDirectory }}
        - podSelector:
            matchLabels:
              {{- include "ent.releaseSelectorLabels" .root | nindent 14 }}
        {{- else if $isLocker }}
        - podSelector:
            matchLabels:
              {{- include "ent.selectorLabels" (dict "root" .root "name" "mail") | nindent 14 }}
        {{- else if $isMail }}
        - podSelector:
            matchLabels:
              {{- include "ent.selectorLabels" (dict "root" .root "name" "transfer") | nindent 14 }}
        {{- end }}
      {{- end }}
    {{- if and (include "ent.metricsScraped" .root) $np.metricsIngressFrom }}
    # Prometheus scrapes /metrics on the metrics port, and nothing else.
    - ports:
        - {port: metrics, protocol: TCP}
      from:
        {{- toYaml $np.metricsIngressFrom | nindent 8 }}
    {{- end }}
  egress:
    - ports:
        - {port: {{ $port }}, protocol: TCP}
      to:
        - podSelector:
            matchLabels:
              {{- if or $isGateway $np.allowInterService }}
              {{- include "ent.releaseSelectorLabels" .root | nindent 14 }}
              {{- else }}
              {{- include "ent.selectorLabels" (dict "root" .root "name" "directory") | nindent 14 }}
              {{- end }}
        {{- if and $isMail (not $np.allowInterService) }}
        - podSelector:
            matchLabels:
              {{- include "ent.selectorLabels" (dict "root" .root "name" "locker") | nindent 14 }}
        {{- end }}
        {{- if and $isTransfer (not $np.allowInterService) }}
        - podSelector:
            matchLabels:
              {{- include "ent.selectorLabels" (dict "root" .root "name" "mail") | nindent 14 }}
        {{- end }}
    {{- range $purpose := list "dns" "kafka" "mongodb" "s3" "otlp" }}
    {{- $rule := get $np.egress $purpose }}
    {{- if and $rule (or (ne $purpose "otlp") $.root.Values.global.otlp.endpoint) }}
    # {{ $purpose }}
    - ports:
        {{- toYaml $rule.ports | nindent 8 }}
      {{- with $rule.to }}
      to:
        {{- toYaml . | nindent 8 }}
      {{- end }}
    {{- end }}
    {{- end }}
    {{- with $np.extraEgress }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
{{- end -}}

# The {{operation}} worker: consumes {{queue}} only, and scales on its backlog.
apiVersion: apps/v1
kind: Deployment
metadata:
  name: skyhook-worker-{{dir}}
spec:
  # No replicas: KEDA owns the count (an apply would otherwise reset it).
  selector:
    matchLabels:
      app.kubernetes.io/name: skyhook
      app.kubernetes.io/component: worker-{{dir}}
  strategy:
    type: RollingUpdate
    rollingUpdate:
      maxSurge: 1
      maxUnavailable: 0
  template:
    metadata:
      labels:
        app.kubernetes.io/name: skyhook
        app.kubernetes.io/component: worker-{{dir}}
      annotations:
        prometheus.io/scrape: "true"
        prometheus.io/port: "9464"
        prometheus.io/path: /metrics
    spec:
      automountServiceAccountToken: false
      # On SIGTERM the worker lets handlers run for SHUTDOWN_TIMEOUT_MS (20 s), then releases
      # their jobs and exits within 10 s more: 40 s leaves the kubelet's SIGKILL nothing to cut.
      terminationGracePeriodSeconds: 40
      securityContext:
        runAsNonRoot: true
        runAsUser: 1000
        runAsGroup: 1000
        seccompProfile:
          type: RuntimeDefault
      containers:
        - name: worker
          image: skyhook
          command: ["node", "apps/worker/src/main.ts"]
          ports:
            - name: ops
              containerPort: 9464
          envFrom:
            - configMapRef:
                name: skyhook-config
          env:
            - name: WORKER_OPERATIONS
              value: {{eventType}}/{{operation}}
            - name: WORKER_CONCURRENCY
              value: "10"
            - name: SHUTDOWN_TIMEOUT_MS
              value: "20000"
            - name: OPS_PORT
              value: "9464"
            - name: REDIS_URL
              valueFrom:
                secretKeyRef:
                  name: skyhook-redis
                  key: REDIS_URL
          # /readyz answers 503 while Redis is away or the queue has had work ready, with a
          # slot free, for WORKER_STALL_AFTER_MS without a fetch; /healthz only says the
          # process is up, so a Redis outage restarts nothing.
          readinessProbe:
            httpGet:
              path: /readyz
              port: ops
            periodSeconds: 10
            timeoutSeconds: 3
            failureThreshold: 3
          livenessProbe:
            httpGet:
              path: /healthz
              port: ops
            initialDelaySeconds: 10
            periodSeconds: 15
            timeoutSeconds: 3
            failureThreshold: 4
          resources:
            requests:
              cpu: 200m
              memory: 256Mi
            limits:
              memory: 512Mi
          securityContext:
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            capabilities:
              drop: ["ALL"]
---
# Scales on the queue's backlog as the workers' own metric reports it: waiting, prioritized,
# active, and delayed (retries wait there, invisible to a scaler that reads the wait list).
# Every replica reports the whole queue, so the query takes one replica's figure (max), not
# their sum. At least one replica always runs: workers also adopt events the ingress routed to
# the catch-all before it knew this operation, and their /readyz is the alert that they stopped.
apiVersion: keda.sh/v1alpha1
kind: ScaledObject
metadata:
  name: skyhook-worker-{{dir}}
spec:
  scaleTargetRef:
    name: skyhook-worker-{{dir}}
  minReplicaCount: 1
  maxReplicaCount: 10
  pollingInterval: 15
  advanced:
    horizontalPodAutoscalerConfig:
      # With a minimum of 1, KEDA's cooldownPeriod never applies (it only governs scaling to
      # zero): this window is the cool-down, so a burst drained is not followed by flapping.
      behavior:
        scaleDown:
          stabilizationWindowSeconds: 300
          policies:
            - type: Pods
              value: 1
              periodSeconds: 60
  triggers:
    - type: prometheus
      metadata:
        serverAddress: http://prometheus-operated.monitoring.svc:9090
        query: sum(max by (state) (skyhook_queue_jobs{queue="{{queueLabel}}",state=~"waiting|prioritized|active|delayed"}))
        # Jobs per replica: WORKER_CONCURRENCY 10, so 10 rounds of work queued per replica.
        threshold: "100"

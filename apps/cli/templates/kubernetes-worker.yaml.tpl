# The {{operation}} worker: ../../worker named for it, consuming {{queue}}
# only and scaled on that queue's backlog.
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - ../../worker
nameSuffix: -{{dir}}
labels:
  - pairs:
      skyhook/worker: {{dir}}
    includeSelectors: true
patches:
  - target:
      kind: Deployment
    patch: |-
      - op: add
        path: /spec/template/spec/containers/0/env/-
        value:
          name: WORKER_OPERATIONS
          value: {{eventType}}/{{operation}}
  - target:
      kind: ScaledObject
    patch: |-
      - op: add
        path: /spec/triggers/0/metadata/query
        value: sum(max by (state) (skyhook_queue_jobs{queue="{{queueLabel}}",state=~"waiting|prioritized|active|delayed"}))


  {{service}}:
    <<: *worker
    environment:
      <<: *skyhook-env
      WORKER_OPERATIONS: {{eventType}}/{{operation}}
      WORKER_CONCURRENCY: ${{{operation}}_CONCURRENCY:-10}
      SHUTDOWN_TIMEOUT_MS: "20000"

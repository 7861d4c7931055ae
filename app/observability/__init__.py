"""Operations: the request log line and request ids, Prometheus metrics, optional OpenTelemetry
traces, and the graceful lifecycle (draining on SIGTERM)."""

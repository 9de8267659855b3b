"""The embedded platform on one machine (`make run`, e2e tests and benchmarks)."""

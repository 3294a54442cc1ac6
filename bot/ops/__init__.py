"""Operating the web process: liveness and readiness for process managers and load balancers."""

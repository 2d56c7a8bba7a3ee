"""Effect monitoring of deployed models: baselines, scheduled and requested runs, their
status, history and plots (the computations are `jobs.models.monitoring`)."""

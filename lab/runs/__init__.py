"""Jobs at the lab level: submission under policy, running on a worker, outputs through the
disclosure gate into the zone. The engines themselves live in the `jobs` library."""

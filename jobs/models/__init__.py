"""Models: safe formats, validation, artifact checks, scoring and manifests."""

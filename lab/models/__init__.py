"""The model registry: versions of the models jobs saved, with lineage, metrics and plots."""

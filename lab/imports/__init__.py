"""Imports: partner data brought into a zone through the desensitization pipeline."""

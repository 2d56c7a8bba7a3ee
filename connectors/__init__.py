"""Sources, PII scanning and desensitization operators (a library; never imports lab)."""

"""Key material: the master key, envelope wrapping, and the keyring table of wrapped keys."""

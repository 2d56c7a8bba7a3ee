"""Bearer tokens as a feature: the actions on them (the store is `lab.identity.tokens`)."""

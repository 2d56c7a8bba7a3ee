"""Model promotion: a release request of kind `promotion` (gates, four eyes, a signed
manifest), the deployments it creates in the production zone, and loading a deployed model
only after its signature and artifact hash are checked."""

"""Production scoring jobs (`engine: score`): a deployed model, verified and loaded only
through `lab.models.deployed.load_deployed`, scores the data owner's hosted data in a child
process of the worker (`lab.scoring.child`); row-level scores go to the data owner, band
aggregates to the partner through the disclosure gate and a release request."""

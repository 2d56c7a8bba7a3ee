"""The lab's closed vocabularies, each defined once: what may be asked of the chokepoint and
what the audit trail may say happened (`actions`). Job and import states live with the
work items they describe (`lab.work.statuses`)."""

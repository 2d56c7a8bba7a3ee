"""Release requests: the airlock every output passes before a partner may fetch it.

An output the gate left in `review` leaves the zone only when a request for it, with a
purpose, gathers the zone's number of distinct approvals from reviewers who are not its
author. The lab then produces the exact bytes that leave, keeps them encrypted in the zone
as a `release-<id>` dataset and puts each file's sha256 in the audit log; a partner fetches
those bytes, and nothing else, through `service.read_released_output`.

The same request, with `kind` promotion, carries a model promotion (`lab.promotions`): the
reviews, the reviewer rules (`rules`), the deciding step (`review`) and the trail (`trail`)
are shared; what a promotion alone has lives in its own table keyed by the request.
"""

"""The console's pages as the navigation offers them: one entry per page, shown only to
those the page would let in.

Each entry names the question its page asks the chokepoint first (action, resource, zone,
and where: the viewer's own tenant, or the platform). The navigation asks the same
question through `Chokepoint.permits`, which is not audited: every page render asks it for
every entry, and a denial recorded each time would bury the trail. The page itself still
passes `authorize`, audited, when it is opened. tests/lab/console/test_console_nav.py
checks that a link is shown exactly when its page opens.

A new page is one more `Page` in `PAGES`, in the order the navigation shows it.
"""

from __future__ import annotations

from dataclasses import dataclass

from lab.authz.chokepoint import PLATFORM, Chokepoint, Principal


@dataclass(frozen=True)
class Page:
    label: str
    href: str
    action: str
    resource: str
    about: str
    zone: str = "platform"
    own_tenant: bool = True
    """Asked in the viewer's own tenant (platform staff: on the platform), as the page
    asks by default; False: always on the platform."""

    def tenant_for(self, principal: Principal) -> str:
        return (principal.tenant or PLATFORM) if self.own_tenant else PLATFORM


PAGES: tuple[Page, ...] = (
    Page("Home", "/console/", "read", "me", "Your account."),
    Page(
        "Audit trail",
        "/console/audit",
        "read",
        "audit/events",
        "Who did what, when, and whether it was allowed.",
    ),
    Page(
        "Approvals",
        "/console/approvals",
        "read",
        "releases",
        "Release requests and model promotions waiting for a decision.",
        zone="sandbox",
        own_tenant=False,
    ),
    Page(
        "Data lifecycle",
        "/console/data",
        "read",
        "datasets",
        "Datasets with their destroy-at dates, legal holds and destruction receipts.",
        zone="sandbox",
    ),
    Page(
        "Zones",
        "/console/zones",
        "read",
        "zones",
        "Each zone's rules, their history, and what changed between versions.",
    ),
    Page(
        "Policy",
        "/console/policy",
        "read",
        "policy/rules",
        "Who may do what: rules, role assignments, their history, and a dry-run.",
        own_tenant=False,
    ),
    Page(
        "Models",
        "/console/models",
        "read",
        "models",
        "Models and their versions, metrics and plots; deployments and their monitoring.",
        zone="sandbox",
    ),
    Page(
        "Users",
        "/console/admin/users",
        "read",
        "users",
        "People, their roles and their tokens.",
    ),
    Page(
        "Tenants",
        "/console/admin/tenants",
        "read",
        "tenants",
        "The lab's tenants.",
        own_tenant=False,
    ),
)


def permitted(chokepoint: Chokepoint, principal: Principal) -> list[Page]:
    """The pages `principal` may open, in navigation order."""
    return [
        page
        for page in PAGES
        if chokepoint.permits(
            principal,
            action=page.action,
            resource=page.resource,
            zone=page.zone,
            tenant=page.tenant_for(principal),
        )
    ]


def page(href: str) -> Page:
    """The navigation's entry for the page at `href` (a page that asks its question)."""
    return next(p for p in PAGES if p.href == href)

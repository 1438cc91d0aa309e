"""Provision what the other grants need (docs/platform.md §10), mock or live, through the one provisioner.

- An "OAuth API endpoint for external clients" (a plain ``oauth_entity``) whose
  OAuth Application User is the chain's user, with a redirect URL: it serves the
  password, refresh_token, client_credentials and authorization_code grants.
- The client-credentials switch, the system property
  ``glide.oauth.inbound.client.credential.grant_type.enabled``. It is
  instance-wide, so it is created only when absent (and deleted at teardown
  with everything else made); an instance whose admin set it to anything but
  ``true`` is left alone.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from ..crypto.secret import Secret
from .provision import Chain, Provisioner

#: docs/platform.md §10.3: the property an admin creates to allow client credentials.
CLIENT_CREDENTIALS_PROPERTY = "glide.oauth.inbound.client.credential.grant_type.enabled"
#: Where the authorization code grant redirects: a reserved name nothing answers (RFC 6761).
REDIRECT_URL = "https://snjwt.invalid/callback"


@dataclass(frozen=True, repr=False)
class GrantApp:
    """An app for the password, refresh, client-credentials and code grants, and the user they act as.

    Secrets are masked in the repr.
    """

    client_id: str
    client_secret: Secret
    redirect_url: str
    user_name: str
    user_password: Secret
    sys_id: str = field(default="", compare=False)

    def __repr__(self) -> str:
        return (f"GrantApp(client_id={self.client_id!r}, user_name={self.user_name!r}, "
                f"redirect_url={self.redirect_url!r}, client_secret=***, user_password=***)")


def provision_grant_app(provisioner: Provisioner, chain: Chain) -> GrantApp:
    """Create the app for ``chain``'s user (its OAuth Application User); removed by ``provisioner.teardown()``."""
    client_secret = secrets.token_urlsafe(24)
    name = f"{provisioner.prefix}{chain.user_name} grants app"
    app = provisioner.create("oauth_entity", {
        "name": name, "client_secret": client_secret, "redirect_url": REDIRECT_URL,
        "user": chain.sys_ids.get("sys_user", ""), "type": "client"})
    return GrantApp(app["client_id"], Secret(client_secret), REDIRECT_URL, chain.user_name, chain.user_password,
                    app["sys_id"])


def enable_client_credentials(provisioner: Provisioner) -> str | None:
    """Make sure client credentials are on; None when they are, else why they cannot be (nothing changed)."""
    rows = [row for row in provisioner.client.query("sys_properties", f"name={CLIENT_CREDENTIALS_PROPERTY}",
                                                    "sys_id,name,value")
            if row.get("name") == CLIENT_CREDENTIALS_PROPERTY]
    if not rows:
        provisioner.create("sys_properties", {"name": CLIENT_CREDENTIALS_PROPERTY, "value": "true",
                                              "type": "true|false"})
        return None
    if rows[0].get("value", "").strip().lower() == "true":
        return None
    return (f"the instance has {CLIENT_CREDENTIALS_PROPERTY}={rows[0].get('value')!r}; an admin turned client "
            "credentials off, and the plugin does not change an existing property")

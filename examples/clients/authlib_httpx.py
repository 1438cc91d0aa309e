"""authlib's AssertionClient (httpx), adjusted for ServiceNow.

authlib 1.9.10 prefers the httpx2 package and warns (AuthlibDeprecationWarning) when it falls back to httpx.
"""
from authlib.integrations.httpx_client import AssertionClient
from joserfc.jwk import RSAKey


class ServiceNowAssertionClient(AssertionClient):
    """ServiceNow wants the client secret in the token request body; authlib never sends one."""

    def __init__(self, *args, client_secret, **kwargs):
        super().__init__(*args, **kwargs)
        self.client_secret = client_secret

    def request(self, method, url, withhold_token=False, **kwargs):
        if method == "POST" and str(url) == self.token_endpoint:
            kwargs["data"] = {**kwargs.get("data", {}), "client_secret": self.client_secret}
        return super().request(method, url, withhold_token=withhold_token, **kwargs)


def servicenow_client(instance_url, client_id, client_secret, private_key_pem, kid, user, verify=True):
    return ServiceNowAssertionClient(
        token_endpoint=f"{instance_url}/oauth_token.do",
        issuer=client_id,
        subject=user,
        audience=client_id,  # not the token URL
        client_id=client_id,
        client_secret=client_secret,
        key=RSAKey.import_key(private_key_pem),  # a typed key: authlib warns on raw PEM
        header={"alg": "RS256", "kid": kid},
        verify=verify,
    )

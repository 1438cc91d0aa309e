"""authlib's AsyncAssertionClient (httpx, async), adjusted for ServiceNow as AssertionClient is."""
from authlib.integrations.httpx_client import AsyncAssertionClient
from joserfc.jwk import RSAKey


class ServiceNowAsyncAssertionClient(AsyncAssertionClient):
    """ServiceNow wants the client secret in the token request body; authlib never sends one."""

    def __init__(self, *args, client_secret, **kwargs):
        super().__init__(*args, **kwargs)
        self.client_secret = client_secret

    async def request(self, method, url, withhold_token=False, **kwargs):
        if method == "POST" and str(url) == self.token_endpoint:
            kwargs["data"] = {**kwargs.get("data", {}), "client_secret": self.client_secret}
        return await super().request(method, url, withhold_token=withhold_token, **kwargs)


def servicenow_async_client(instance_url, client_id, client_secret, private_key_pem, kid, user):
    return ServiceNowAsyncAssertionClient(
        token_endpoint=f"{instance_url}/oauth_token.do",
        issuer=client_id,
        subject=user,
        audience=client_id,  # not the token URL
        client_id=client_id,
        client_secret=client_secret,
        key=RSAKey.import_key(private_key_pem),
        header={"alg": "RS256", "kid": kid},
    )

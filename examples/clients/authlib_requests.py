"""authlib's AssertionSession (requests), adjusted for ServiceNow."""
from authlib.integrations.requests_client import AssertionSession
from joserfc.jwk import RSAKey


class ServiceNowAssertionSession(AssertionSession):
    """ServiceNow wants the client secret in the token request body; authlib never sends one."""

    def __init__(self, *args, client_secret, **kwargs):
        super().__init__(*args, **kwargs)
        self.client_secret = client_secret

    def request(self, method, url, withhold_token=False, auth=None, **kwargs):
        if method == "POST" and url == self.token_endpoint:
            kwargs["data"] = {**kwargs.get("data", {}), "client_secret": self.client_secret}
        return super().request(method, url, withhold_token=withhold_token, auth=auth, **kwargs)


def servicenow_session(instance_url, client_id, client_secret, private_key_pem, kid, user):
    return ServiceNowAssertionSession(
        token_endpoint=f"{instance_url}/oauth_token.do",
        issuer=client_id,
        subject=user,
        audience=client_id,  # authlib's default aud is the token URL; ServiceNow wants the client id
        client_id=client_id,
        client_secret=client_secret,
        key=RSAKey.import_key(private_key_pem),  # a typed key: authlib warns on raw PEM
        header={"alg": "RS256", "kid": kid},
        # no claims=dict(...): authlib writes its jti into that dict and re-sends it at every refresh
    )

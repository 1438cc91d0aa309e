"""requests-oauthlib's OAuth2Session with oauthlib's ServiceApplicationClient."""
from oauthlib.oauth2 import ServiceApplicationClient
from requests_oauthlib import OAuth2Session


def servicenow_session(instance_url, client_id, client_secret, private_key_pem, user):
    # The JWT has no kid and no jti: ServiceNow (and the mock) accept that when the app
    # has exactly one verifier map and a missing jti is allowed.
    client = ServiceApplicationClient(client_id, private_key=private_key_pem, subject=user,
                                      issuer=client_id, audience=client_id)
    session = OAuth2Session(client=client)
    session.fetch_token(f"{instance_url}/oauth_token.do", client_id=client_id, client_secret=client_secret,
                        include_client_id=True)  # in the form: the default is HTTP Basic, which is refused
    return session

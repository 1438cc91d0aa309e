"""requests-oauthlib's OAuth2Session with oauthlib's BackendApplicationClient (client credentials).

The instance must allow the grant: an admin creates the system property
glide.oauth.inbound.client.credential.grant_type.enabled = true, and the app needs an
OAuth Application User (the token acts as that user).
"""
from oauthlib.oauth2 import BackendApplicationClient
from requests_oauthlib import OAuth2Session


def servicenow_session(instance_url, client_id, client_secret, verify=True):
    session = OAuth2Session(client=BackendApplicationClient(client_id=client_id))
    session.verify = verify
    session.fetch_token(f"{instance_url}/oauth_token.do", client_id=client_id, client_secret=client_secret)
    return session

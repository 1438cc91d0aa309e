"""requests-oauthlib's OAuth2Session with oauthlib's LegacyApplicationClient (the password grant)."""
from oauthlib.oauth2 import LegacyApplicationClient
from requests_oauthlib import OAuth2Session


def servicenow_session(instance_url, client_id, client_secret, user_name, password, verify=True):
    token_url = f"{instance_url}/oauth_token.do"
    session = OAuth2Session(client=LegacyApplicationClient(client_id=client_id), auto_refresh_url=token_url,
                            auto_refresh_kwargs={"client_id": client_id, "client_secret": client_secret},
                            token_updater=lambda token: None)  # keep refreshed tokens in session.token only
    session.verify = verify
    # The client id and secret go as HTTP Basic: ServiceNow accepts that for this grant.
    session.fetch_token(token_url, username=user_name, password=password, client_id=client_id,
                        client_secret=client_secret)
    return session

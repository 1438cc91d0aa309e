"""authlib's OAuth2Session (requests): the authorization code grant with PKCE (S256) and state."""
import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session


def servicenow_session(instance_url, client_id, client_secret, redirect_url, approve, verify=True):
    # approve(url) plays the browser: it opens the authorize URL, the user logs in and allows,
    # and it returns the URL the instance redirected to (with code and state).
    session = OAuth2Session(client_id, client_secret, redirect_uri=redirect_url, code_challenge_method="S256")
    session.verify = verify
    verifier = generate_token(48)
    url, _state = session.create_authorization_url(f"{instance_url}/oauth_auth.do", code_verifier=verifier)
    session.fetch_token(f"{instance_url}/oauth_token.do", authorization_response=approve(url),
                        code_verifier=verifier)
    return session


def mock_approval(user_name, verify=True):
    """For the mock, which has no login page: it approves at once for the user in snjwt_user."""
    def approve(url):
        response = requests.get(f"{url}&snjwt_user={user_name}", allow_redirects=False, verify=verify)
        return response.headers["Location"]
    return approve

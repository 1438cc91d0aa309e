"""Plain httpx: sign an assertion and POST it to /oauth_token.do."""
import time
import uuid

import httpx
import jwt


def access_token(instance_url, client_id, client_secret, private_key_pem, kid, user, verify=True):
    # verify: True, or ssl.create_default_context(cafile=...) for a self-signed server
    now = int(time.time())
    assertion = jwt.encode({"aud": client_id, "iss": client_id, "sub": user, "iat": now, "exp": now + 300,
                            "jti": str(uuid.uuid4())}, private_key_pem, algorithm="RS256", headers={"kid": kid})
    response = httpx.post(f"{instance_url}/oauth_token.do", verify=verify, data={
        "grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer", "client_id": client_id,
        "client_secret": client_secret, "assertion": assertion})
    response.raise_for_status()
    return response.json()["access_token"]

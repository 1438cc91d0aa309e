"""A retrying httpx transport: 429 and 503 are tried again, after Retry-After when the instance sends one."""
import time

import httpx

RETRIED = {429, 503}  # rate limited (a rate-limit rule), unavailable (an upgrade or an outage)


class RetryingTransport(httpx.BaseTransport):
    def __init__(self, attempts=3, backoff=0.1, transport=None):
        self.attempts, self.backoff = attempts, backoff
        self.transport = transport or httpx.HTTPTransport()

    def handle_request(self, request):
        for attempt in range(self.attempts):
            response = self.transport.handle_request(request)
            if response.status_code not in RETRIED or attempt == self.attempts - 1:
                return response
            response.close()
            time.sleep(float(response.headers.get("Retry-After", self.backoff * 2**attempt)))
        raise AssertionError("unreachable")


def retrying_client(instance_url, access_token):
    return httpx.Client(base_url=instance_url, transport=RetryingTransport(),
                        headers={"Authorization": f"Bearer {access_token}"})

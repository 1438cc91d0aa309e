"""The mock without pytest: in-process for requests, then over a real socket."""
import requests

from mock_instance import MockInstance

instance = MockInstance(accept_pysnc_header=True)
instance.insert("incident", {"short_description": "seeded from Python"})

with instance.intercept("https://dev12345.service-now.com"):
    found = requests.get("https://dev12345.service-now.com/api/now/table/incident", auth=("admin", "admin"))
    print(found.json()["result"][0]["number"])  # INC0010001

with instance.serve(tls=True) as server:
    found = requests.get(f"{server.url}/api/now/table/incident", auth=("admin", "admin"), verify=server.ca_file)
    print(server.url, found.status_code)

print([r.code for r in instance.refusals])  # why recent token requests were refused

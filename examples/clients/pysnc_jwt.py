"""ServiceNow's PySNC with JWT bearer auth (pysnc.auth.ServiceNowJWTAuth)."""
import pysnc
from pysnc.auth import ServiceNowJWTAuth


def incident_numbers(instance_url, client_id, client_secret, assertion):
    # PySNC sends the JWT in an "Authentication: Bearer" header (no "assertion" field)
    # and re-sends the same JWT at every refresh.
    auth = ServiceNowJWTAuth(client_id, client_secret, assertion)
    client = pysnc.ServiceNowClient(instance_url, auth)
    records = client.GlideRecord("incident")
    records.query()
    return [record.get_value("number") for record in records]

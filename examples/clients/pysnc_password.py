"""ServiceNow's PySNC with the password grant (pysnc.auth.ServiceNowPasswordGrantFlow)."""
import pysnc
from pysnc.auth import ServiceNowPasswordGrantFlow


def servicenow_client(instance_url, client_id, client_secret, user_name, password, verify=None):
    # requests-oauthlib underneath: the client id and secret go as HTTP Basic, the user's in the form;
    # its automatic refresh sends grant_type=refresh_token with the client in the form.
    flow = ServiceNowPasswordGrantFlow(user_name, password, client_id, client_secret)
    return pysnc.ServiceNowClient(instance_url, flow, verify=verify)


def incident_numbers(client):
    records = client.GlideRecord("incident")
    records.query()
    return [record.get_value("number") for record in records]

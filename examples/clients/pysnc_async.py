"""PySNC's async client (pysnc.asyncio, httpx) with JWT bearer auth."""
from pysnc.asyncio import AsyncServiceNowClient, AsyncServiceNowJWTAuth


async def incident_numbers(instance_url, client_id, client_secret, assertion):
    # Like the sync client: the JWT goes in an "Authentication: Bearer" header, re-sent at refresh.
    client = AsyncServiceNowClient(instance_url, AsyncServiceNowJWTAuth(client_id, client_secret, assertion))
    try:
        records = await client.GlideRecord("incident")
        await records.query()
        return [record.get_value("number") async for record in records]
    finally:
        await client.close()

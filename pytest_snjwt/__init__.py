"""pytest-snjwt: fixtures that provision ServiceNow's OAuth JWT chain, on a mock or a live instance."""

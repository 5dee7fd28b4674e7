"""Amazon 1P connection settings: the shop's settings page (credentials, sync switches, status
mappings, fulfillment centers), the connection test, and the stored secrets → the SP-API
client's connection (credentials.py)."""

"""The vendors' admin API services: provisioning and running regions (tenants), exports and restores,
idempotent requests. Platform-level code: it binds a tenant only through app.tenancy, one region at a time."""

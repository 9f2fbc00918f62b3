"""Domain logic. Services take ids or validated data and the tenant-bound session, flush, and never
commit: the request or job boundary commits once."""

from app.blueprints import tenant_api_blueprint

blp = tenant_api_blueprint("employees", __name__, "employees",
                           "Employees (ASN: PNS and PPPK), found by NIP, and their JP ledger.")

from app.blueprints.employees import routes  # noqa: E402,F401

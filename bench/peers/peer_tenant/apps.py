from django.apps import AppConfig


class PeerTenantConfig(AppConfig):
    name = "peer_tenant"

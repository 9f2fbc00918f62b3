from django.apps import AppConfig


class PeerCustomersConfig(AppConfig):
    name = "peer_customers"

"""Clients of the upstream REST services: the MDM provider and the device-agent inventory."""

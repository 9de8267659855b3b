"""Wiring of the transfer service. Not built yet: it answers health only."""

from ent_kit.runtime import ServiceDefinition

SERVICE = ServiceDefinition(name="transfer")

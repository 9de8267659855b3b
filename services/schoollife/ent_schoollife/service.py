"""Wiring of the schoollife service. Not built yet: it answers health only."""

from ent_kit.runtime import ServiceDefinition

SERVICE = ServiceDefinition(name="schoollife")

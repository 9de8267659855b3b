from ent_kit.service import run

from ent_gateway.service import SERVICE

run(SERVICE)

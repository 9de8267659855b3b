from ent_kit.service import run

from ent_transfer.service import SERVICE

run(SERVICE)

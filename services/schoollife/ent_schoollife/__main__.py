from ent_kit.service import run

from ent_schoollife.service import SERVICE

run(SERVICE)

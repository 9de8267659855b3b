from ent_kit.service import run

from ent_locker.service import SERVICE

run(SERVICE)

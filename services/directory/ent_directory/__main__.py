from ent_kit.service import run

from ent_directory.service import SERVICE

run(SERVICE)

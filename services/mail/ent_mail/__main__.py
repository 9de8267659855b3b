from ent_kit.service import run

from ent_mail.service import SERVICE

run(SERVICE)

from ent_kit.settings import ServiceSettings


class DirectorySettings(ServiceSettings, frozen=True, kw_only=True):
    demo_seed: bool = False  # seed the demo collège at start (embedded profile)

"""Scanner profiles: what each counter device delivers and how sohoa treats it.

One YAML file per device, validated at load so a bad field is named, not
discovered halfway through a batch.
"""

from sohoa.scanner_profiles.profiles import Profile, ProfileError, available, load, load_all

__all__ = ["Profile", "ProfileError", "available", "load", "load_all"]

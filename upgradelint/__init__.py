"""upgradelint: static checks for changes that break rolling upgrades."""

__version__ = "0.1.0"

"""sohoa's faces: the command line (and later the HTTP API), settings and exit codes."""

__version__ = "0.1.0"

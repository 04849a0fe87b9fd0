"""Agency signatures on stored PDF/A (PAdES, pyHanko): sign, verify, keys, the visible mark.

Imports nothing of ours (like :mod:`storage`): :mod:`workers.signing` puts it in
the lifecycle, the faces use :mod:`signing.verify` for ``sohoa verify`` and the API.
"""

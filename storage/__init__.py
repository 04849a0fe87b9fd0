"""Storage layer of sohoa: dossier codes, object stores and the document catalog.

This package deliberately imports nothing else from sohoa so that every other
layer can depend on it without cycles.
"""

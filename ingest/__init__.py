"""How scans arrive: files named on the command line now; hot folders, scanners and batches later.

Ingest turns "this file belongs to that dossier" into a checked Submission and
hands it to the workers; it never processes pages itself.
"""

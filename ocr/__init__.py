"""The page pipeline: scan in, validated PDF/A-2b with an invisible text layer out.

Pure: files in, files and reports out; no storage, no queue, no settings.
One page moves through named steps in `page.py`; `assemble.py` builds the PDF/A.
"""

"""Who runs the pipeline: in-process page workers now, queue actors in the deployment.

Both run the same steps: inspect the source, OCR its pages in parallel
(fan-out), assemble and validate the PDF/A once (fan-in), then store and link.
"""

"""Incremental LAB-style training: new/old data per phase with stratified replay, masking, packing, lineage.

Only this package and ``lab_cli.evaluate`` import torch and transformers, and only inside functions, so the
commands that do not train (``lab validate``, ``lab diff``) never pay for them.
"""

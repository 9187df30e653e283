"""Matching: a goal, request or offer against people who consented to be found, open time-bank
listings, peer groups and directory assets.

``index`` keeps ``MatchDocument`` (and the full-text table beside it) in step with its
sources; ``engine`` ranks (BM25 from the database's full-text search combined with distance,
availability, capacity and reciprocity); ``evaluation`` runs the same ranking offline on a
labelled set; ``semantic`` adds sentence-embedding similarity when the ``[semantic]`` extra
is installed.
"""

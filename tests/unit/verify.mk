# tests/unit/verify.mk (being written)

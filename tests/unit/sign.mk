# tests/unit/sign.mk (being written)

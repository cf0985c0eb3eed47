# tests/unit/armorstep.mk (being written)

# tests/unit/encrypt.mk

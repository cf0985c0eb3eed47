# tests/unit/decrypt.mk

# tests/unit/headers.mk

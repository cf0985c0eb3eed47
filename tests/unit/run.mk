# tests/unit/run.mk

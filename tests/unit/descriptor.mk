# tests/unit/descriptor.mk

# tests/modules/local.mk

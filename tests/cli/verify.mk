# tests/cli/verify.mk - the verify step end to end (being written)

# tests/cli/sign.mk - the sign step end to end (being written)

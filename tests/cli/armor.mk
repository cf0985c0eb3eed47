# tests/cli/armor.mk - the armor step end to end (being written)

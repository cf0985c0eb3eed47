# tests/unit/keyring.mk - runtime homes, secrets, key listing

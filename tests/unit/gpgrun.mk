# tests/unit/gpgrun.mk - gpg runner tests

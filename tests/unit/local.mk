# tests/unit/local.mk - CMocka unit tests, one fragment per area.
include tests/unit/loader.mk
include tests/unit/descriptor.mk
include tests/unit/run.mk
include tests/unit/headers.mk
include tests/unit/openpgp.mk
include tests/unit/gpgrun.mk
include tests/unit/keyring.mk
include tests/unit/encrypt.mk
include tests/unit/decrypt.mk
include tests/unit/sign.mk
include tests/unit/verify.mk
include tests/unit/armorstep.mk
include tests/unit/load.mk

# tests/unit/openpgp.mk - engine unit tests (status, armor, packets)

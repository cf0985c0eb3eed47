# tests/unit/openpgp.mk - engine unit tests (status, armor, packets)
#
# The fixtures in tests/data/gpg are copies of the shared vectors plus
# status transcripts recorded from real gpg runs (tests/data/gpg/record.sh
# re-records them; it is not run by the suite).
openpgp_test_cflags = $(unit_cflags) -I$(top_srcdir)/plugins/openpgp \
	-DTEST_DATA_DIR='"$(abs_top_srcdir)/tests/data"'
openpgp_test_ldadd = plugins/openpgp/libopenpgp.la $(CMOCKA_LIBS) \
	$(GPG_ERROR_LIBS)

check_PROGRAMS += tests/unit/t-status tests/unit/t-armor tests/unit/t-packet
TESTS += tests/unit/t-status tests/unit/t-armor tests/unit/t-packet

tests_unit_t_status_SOURCES = tests/unit/t-status.c
tests_unit_t_status_CFLAGS = $(openpgp_test_cflags)
tests_unit_t_status_LDADD = $(openpgp_test_ldadd)

tests_unit_t_armor_SOURCES = tests/unit/t-armor.c
tests_unit_t_armor_CFLAGS = $(openpgp_test_cflags)
tests_unit_t_armor_LDADD = $(openpgp_test_ldadd)

tests_unit_t_packet_SOURCES = tests/unit/t-packet.c
tests_unit_t_packet_CFLAGS = $(openpgp_test_cflags)
tests_unit_t_packet_LDADD = $(openpgp_test_ldadd)

EXTRA_DIST += \
	tests/data/gpg/README \
	tests/data/gpg/record.sh \
	$(openpgp_test_data)

openpgp_test_data = \
	tests/data/gpg/keys/FINGERPRINTS \
	tests/data/gpg/keys/alice.pub.asc \
	tests/data/gpg/keys/alice.sec.asc \
	tests/data/gpg/keys/bob.pub.asc \
	tests/data/gpg/keys/bob.sec.asc \
	tests/data/gpg/keys/carol.pub.asc \
	tests/data/gpg/keys/carol.sec.asc \
	tests/data/gpg/keys/expired.pub.asc \
	tests/data/gpg/keys/expired.sec.asc \
	tests/data/gpg/keys/revoked.pub.asc \
	tests/data/gpg/keys/revoked.sec.asc \
	tests/data/gpg/keys/signonly.pub.asc \
	tests/data/gpg/keys/signonly.sec.asc \
	tests/data/gpg/messages/gen-alice-bob-signed.gpg \
	tests/data/gpg/messages/gen-alice-expsig.gpg \
	tests/data/gpg/messages/gen-alice-signed-z0-tampered.gpg \
	tests/data/gpg/messages/gen-alice-signed-z0.gpg \
	tests/data/gpg/messages/gen-expired-signed.gpg \
	tests/data/gpg/messages/gen-good-bad-detached.sig \
	tests/data/gpg/messages/gen-good-unknown-detached.sig \
	tests/data/gpg/messages/gen-legacy-sed-cast5.gpg \
	tests/data/gpg/messages/gen-revoked-signed.gpg \
	tests/data/gpg/messages/gpg-alice-clearsigned.asc \
	tests/data/gpg/messages/gpg-alice-detached.asc \
	tests/data/gpg/messages/gpg-alice-signed.gpg \
	tests/data/gpg/messages/gpg-bob-signed-enc-to-alice.gpg \
	tests/data/gpg/messages/gpg-enc-to-alice.asc \
	tests/data/gpg/messages/gpg-enc-to-alice.gpg \
	tests/data/gpg/messages/gpg-enc-to-bob-and-alice.gpg \
	tests/data/gpg/messages/gpg-enc-to-bob.gpg \
	tests/data/gpg/messages/gpg-symmetric-correct-horse.gpg \
	tests/data/gpg/messages/invoice.xml \
	tests/data/gpg/messages/sqop-carol-clearsigned.asc \
	tests/data/gpg/messages/sqop-carol-detached.asc \
	tests/data/gpg/messages/sqop-carol-inline-signed.asc \
	tests/data/gpg/messages/sqop-carol-signed-enc-to-alice.asc \
	tests/data/gpg/messages/sqop-enc-to-alice.asc \
	tests/data/gpg/messages/tampered-body-enc-to-alice.gpg \
	tests/data/gpg/messages/tampered-enc-to-alice.gpg \
	tests/data/gpg/messages/truncated-enc-to-alice.gpg \
	tests/data/gpg/status/decrypt-bob-command-fd.status \
	tests/data/gpg/status/decrypt-bob-no-passphrase.status \
	tests/data/gpg/status/decrypt-bob-passphrase.status \
	tests/data/gpg/status/decrypt-bob-wrong-passphrase.status \
	tests/data/gpg/status/decrypt-good-armored.status \
	tests/data/gpg/status/decrypt-good.status \
	tests/data/gpg/status/decrypt-hidden-bob.status \
	tests/data/gpg/status/decrypt-hidden-carol.status \
	tests/data/gpg/status/decrypt-hidden-carol-max-output.status \
	tests/data/gpg/status/decrypt-hidden-carol-try-secret-key.status \
	tests/data/gpg/status/decrypt-hidden-no-seckey.status \
	tests/data/gpg/status/decrypt-legacy-sed.status \
	tests/data/gpg/status/decrypt-no-seckey.status \
	tests/data/gpg/status/decrypt-not-openpgp.status \
	tests/data/gpg/status/decrypt-signed.status \
	tests/data/gpg/status/decrypt-sqop-signed.status \
	tests/data/gpg/status/decrypt-sqop.status \
	tests/data/gpg/status/decrypt-symmetric-command-fd.status \
	tests/data/gpg/status/decrypt-symmetric-no-passphrase.status \
	tests/data/gpg/status/decrypt-symmetric-wrong.status \
	tests/data/gpg/status/decrypt-symmetric.status \
	tests/data/gpg/status/decrypt-tampered-body.status \
	tests/data/gpg/status/decrypt-tampered-mdc.status \
	tests/data/gpg/status/decrypt-truncated.status \
	tests/data/gpg/status/decrypt-two-recipients-no-seckey.status \
	tests/data/gpg/status/decrypt-two-recipients.status \
	tests/data/gpg/status/encrypt-alice-bob.status \
	tests/data/gpg/status/encrypt-alice.status \
	tests/data/gpg/status/encrypt-expired.status \
	tests/data/gpg/status/encrypt-revoked.status \
	tests/data/gpg/status/encrypt-signonly.status \
	tests/data/gpg/status/encrypt-symmetric.status \
	tests/data/gpg/status/encrypt-unknown.status \
	tests/data/gpg/status/sign-alice.status \
	tests/data/gpg/status/sign-bob-wrong-passphrase.status \
	tests/data/gpg/status/sign-detached-alice.status \
	tests/data/gpg/status/sign-encrypt.status \
	tests/data/gpg/status/sign-expired.status \
	tests/data/gpg/status/sign-no-seckey.status \
	tests/data/gpg/status/sign-revoked.status \
	tests/data/gpg/status/sign-two-signers.status \
	tests/data/gpg/status/verify-clearsigned-sqop.status \
	tests/data/gpg/status/verify-clearsigned.status \
	tests/data/gpg/status/verify-detached-modified.status \
	tests/data/gpg/status/verify-detached-sqop.status \
	tests/data/gpg/status/verify-detached.status \
	tests/data/gpg/status/verify-expired-key.status \
	tests/data/gpg/status/verify-expired-sig.status \
	tests/data/gpg/status/verify-good-bad.status \
	tests/data/gpg/status/verify-good-unknown.status \
	tests/data/gpg/status/verify-inline-sqop.status \
	tests/data/gpg/status/verify-inline-tampered.status \
	tests/data/gpg/status/verify-inline.status \
	tests/data/gpg/status/verify-revoked-key.status \
	tests/data/gpg/status/verify-trust-always.status \
	tests/data/gpg/status/verify-two-signers.status \
	tests/data/gpg/status/verify-unknown-key.status \
	tests/data/gpg/dearmor/alice.pub.bin \
	tests/data/gpg/dearmor/alice.sec.bin \
	tests/data/gpg/dearmor/bob.pub.bin \
	tests/data/gpg/dearmor/bob.sec.bin \
	tests/data/gpg/dearmor/carol.pub.bin \
	tests/data/gpg/dearmor/carol.sec.bin \
	tests/data/gpg/dearmor/expired.pub.bin \
	tests/data/gpg/dearmor/expired.sec.bin \
	tests/data/gpg/dearmor/gpg-alice-detached.bin \
	tests/data/gpg/dearmor/gpg-enc-to-alice.bin \
	tests/data/gpg/dearmor/revoked.pub.bin \
	tests/data/gpg/dearmor/revoked.sec.bin \
	tests/data/gpg/dearmor/signonly.pub.bin \
	tests/data/gpg/dearmor/signonly.sec.bin \
	tests/data/gpg/dearmor/sqop-carol-detached.bin \
	tests/data/gpg/dearmor/sqop-carol-inline-signed.bin \
	tests/data/gpg/dearmor/sqop-carol-signed-enc-to-alice.bin \
	tests/data/gpg/dearmor/sqop-enc-to-alice.bin

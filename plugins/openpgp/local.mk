# plugins/openpgp/local.mk - the OpenPGP engine (convenience library)

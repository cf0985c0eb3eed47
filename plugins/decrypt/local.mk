# plugins/decrypt/local.mk - the decrypt step

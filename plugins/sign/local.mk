# plugins/sign/local.mk - the sign step (being written)

# plugins/verify/local.mk - the verify step (being written)

# plugins/encrypt/local.mk - the encrypt step

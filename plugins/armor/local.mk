# plugins/armor/local.mk - the armor step (being written)

# doc/local.mk - manual pages (being written)

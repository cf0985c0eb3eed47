# samples/local.mk

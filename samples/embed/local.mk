# samples/embed/local.mk - the C embedding sample (being written)

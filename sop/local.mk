# sop/local.mk - pgpstep-sop, the Stateless OpenPGP front end (being written)

/* sigcut.h - (being written) */
#ifndef OPENPGP_SIGCUT_H
#define OPENPGP_SIGCUT_H
#endif /* OPENPGP_SIGCUT_H */

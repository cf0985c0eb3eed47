/* sigwrap.h - (being written) */
#ifndef OPENPGP_SIGWRAP_H
#define OPENPGP_SIGWRAP_H
#endif /* OPENPGP_SIGWRAP_H */

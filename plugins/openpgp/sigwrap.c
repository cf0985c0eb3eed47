/* sigwrap.c - (being written) */
#include <config.h>
#include "sigwrap.h"

typedef int sigwrap_placeholder_t;

/* sigcut.c - (being written) */
#include <config.h>
#include "sigcut.h"

typedef int sigcut_placeholder_t;

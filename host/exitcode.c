/* exitcode.c - placeholder */

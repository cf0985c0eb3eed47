/* stepconfig.c - placeholder */

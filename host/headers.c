/* headers.c - placeholder */

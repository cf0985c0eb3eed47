/* params.c - placeholder */

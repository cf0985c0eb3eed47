/* run.c - placeholder */

/* result.c - placeholder */

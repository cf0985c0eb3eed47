/* spool.c - placeholder */

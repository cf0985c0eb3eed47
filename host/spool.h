/* spool.h - placeholder */

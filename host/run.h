/* run.h - placeholder */

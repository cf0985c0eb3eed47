/* stream.c - placeholder */

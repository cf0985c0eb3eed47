/* result.h - placeholder */

/* stream.h - placeholder */

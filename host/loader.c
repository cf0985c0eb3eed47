/* loader.c - placeholder */

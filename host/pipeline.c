/* pipeline.c - placeholder */

/* outfile.c - placeholder */

/* outfile.h - placeholder */

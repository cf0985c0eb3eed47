/* descriptor.c - placeholder */
